/**
 * Reads and writes users in MongoDB. Identify and delete span the user, their
 * channel data and their preference sets, and each runs as one transaction.
 */
import type { ClientSession } from 'mongodb';
import { AppError } from '../errors/app-error.ts';
import { inTransaction } from '../db/transaction.ts';
import { timeoutOptions } from '../deadline.ts';
import { newVersion } from '../db/collections.ts';
import type { UsersDatabase } from './database.ts';
import { toUserRecord } from './documents.ts';
import { identifyPipeline, touchChildrenPipeline } from './pipelines.ts';
import { writeChannelData } from './channel-data-store.ts';
import { writePreferenceSet } from './preference-store.ts';
import { newUserIncomplete } from './new-user-rules.ts';
import type { IdentifyCommand, ListUsersQuery, UserRecord } from './model.ts';
import { userNotFound } from './not-found.ts';

/** What an identify did. */
export interface IdentifyOutcome {
  user: UserRecord;
  created: boolean;
}

/** One page of users and the id to continue after, if there are more. */
/** How large a reply may grow, and how to measure what goes into it. */
export interface ReplyBudget<T> {
  readonly maxBytes: number;
  readonly sizeOf: (item: T) => number;
}

export interface UsersPage {
  users: UserRecord[];
  nextAfter?: string;
}

/** User persistence. */
export class UserStore {
  constructor(private readonly db: UsersDatabase) {}

  /**
   * Upserts the user, then writes the inline channel data and preference
   * sets, all in one transaction. A new user is created only when the command
   * carries a name and an email; the filter on `v` makes the write conditional
   * when the caller sent an expected version.
   */
  identify(command: IdentifyCommand): Promise<IdentifyOutcome> {
    return inTransaction(this.db.client, async (session) => {
      const version = newVersion();
      const expected = command.expectedVersion;
      const mayCreate =
        expected === undefined &&
        command.profile.name !== undefined &&
        command.profile.email !== undefined;
      const result = await this.db.users.findOneAndUpdate(
        expected === undefined ? { _id: command.userId } : { _id: command.userId, v: expected },
        identifyPipeline(command, version),
        { upsert: mayCreate, returnDocument: 'after', includeResultMetadata: true, session },
      );
      if (result.value === null) {
        if (expected !== undefined) {
          const current = await this.currentVersion(command.userId, session);
          throw AppError.versionMismatch(`users/${command.userId}`, expected, current);
        }
        throw newUserIncomplete(command.profile);
      }
      for (const input of command.channelData) {
        await writeChannelData(this.db, session, command.userId, input);
      }
      for (const input of command.preferenceSets) {
        await writePreferenceSet(this.db, session, command.userId, input);
      }
      return {
        user: toUserRecord(result.value),
        created: result.lastErrorObject?.['upserted'] !== undefined,
      };
    });
  }

  /** The user, or null when there is none with that id. */
  async get(userId: string): Promise<UserRecord | null> {
    const doc = await this.db.users.findOne({ _id: userId }, timeoutOptions());
    return doc === null ? null : toUserRecord(doc);
  }

  /** Whether a user with that id exists. */
  async exists(userId: string): Promise<boolean> {
    const doc = await this.db.users.findOne({ _id: userId }, { projection: { _id: 1 }, ...timeoutOptions() });
    return doc !== null;
  }

  /**
   * The incarnation of each listed user that exists (undefined for a user
   * stored before incarnations existed); ids that name no user are absent.
   * With `session`, read inside that transaction.
   */
  async incarnations(userIds: readonly string[], session?: ClientSession): Promise<Map<string, string | undefined>> {
    const docs = await this.db.users
      .find({ _id: { $in: [...new Set(userIds)] } }, { projection: { _id: 1, uid: 1 }, ...(session ? { session } : timeoutOptions()) })
      .toArray();
    return new Map(docs.map((doc) => [doc._id, doc.uid]));
  }

  /**
   * A page of users in ascending order of id. One extra document is read to
   * learn whether another page follows, so the last page has no token.
   */
  /**
   * A page of users after `query.after`, in ascending id order: at most
   * `query.pageSize` users, and fewer when the next would take the page past
   * `budget.maxBytes` as measured by `budget.sizeOf` (the first user always
   * fits). Documents are read one batch at a time and the cursor is closed
   * as soon as the page is full.
   */
  async list(query: ListUsersQuery, budget: ReplyBudget<UserRecord>): Promise<UsersPage> {
    const filter = query.after === undefined ? {} : { _id: { $gt: query.after } };
    const cursor = this.db.users
      .find(filter, timeoutOptions())
      .sort({ _id: 1 })
      .limit(query.pageSize + 1);
    const users: UserRecord[] = [];
    let bytes = 0;
    let more = false;
    try {
      for await (const doc of cursor) {
        const user = toUserRecord(doc);
        const size = budget.sizeOf(user);
        if (users.length === query.pageSize || (users.length > 0 && bytes + size > budget.maxBytes)) {
          more = true;
          break;
        }
        users.push(user);
        bytes += size;
      }
    } finally {
      await cursor.close();
    }
    const last = users[users.length - 1];
    return more && last !== undefined ? { users, nextAfter: last.id } : { users };
  }

  /**
   * Deletes the user with their channel data and preference sets in one
   * transaction. Returns false when there was no such user.
   */
  delete(userId: string): Promise<boolean> {
    return inTransaction(this.db.client, async (session) => {
      const { deletedCount } = await this.db.users.deleteOne({ _id: userId }, { session });
      if (deletedCount === 0) return false;
      await this.db.channelData.deleteMany({ userId }, { session });
      await this.db.preferenceSets.deleteMany({ userId }, { session });
      return true;
    });
  }

  /**
   * Deletes every listed user that exists, with their channel data and
   * preference sets, in one transaction. Returns the ids that existed.
   */
  deleteMany(userIds: readonly string[]): Promise<Set<string>> {
    return inTransaction(this.db.client, async (session) => {
      const found = await this.db.users
        .find({ _id: { $in: [...userIds] } }, { projection: { _id: 1 }, session })
        .toArray();
      const existing = found.map((doc) => doc._id);
      if (existing.length > 0) {
        await this.db.users.deleteMany({ _id: { $in: existing } }, { session });
        await this.db.channelData.deleteMany({ userId: { $in: existing } }, { session });
        await this.db.preferenceSets.deleteMany({ userId: { $in: existing } }, { session });
      }
      return new Set(existing);
    });
  }

  /**
   * Marks, inside `session`, that one of the user's children changed, and
   * fails with USER_NOT_FOUND when the user does not exist. Child writes call
   * this first so that they conflict with a concurrent delete of the user.
   */
  async touchChildren(userId: string, session: ClientSession): Promise<void> {
    const { matchedCount } = await this.db.users.updateOne(
      { _id: userId },
      touchChildrenPipeline(),
      { session },
    );
    if (matchedCount === 0) throw userNotFound(userId);
  }

  private async currentVersion(userId: string, session: ClientSession): Promise<string | undefined> {
    const doc = await this.db.users.findOne({ _id: userId }, { projection: { v: 1 }, session });
    return doc?.v;
  }
}
