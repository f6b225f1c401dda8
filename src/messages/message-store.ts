/**
 * Reads and writes messages and their activities in MongoDB. A write that
 * touches a message and its activities runs as one transaction, and checks
 * the users it names inside it, so a failed request writes nothing.
 */
import { ObjectId, type ClientSession, type Filter } from 'mongodb';
import { inTransaction } from '../db/transaction.ts';
import { timeoutOptions } from '../deadline.ts';
import type { MessagesDatabase } from './database.ts';
import type { ActivityDocument, MessageDocument, StoredUserRef } from './documents.ts';
import {
  MESSAGE_STATES,
  storedRef,
  toActivityRecord,
  toMessageRecord,
  type ActivityRecord,
  type AddActivityCommand,
  type CreateMessageCommand,
  type ListMessagesQuery,
  type MarkMessagesCommand,
  type MessageRecord,
} from './model.ts';
import { messageNotFound, namedUserNotFound } from './not-found.ts';
import type { PendingHandovers } from './user-references.ts';

/**
 * The incarnation of each listed user that exists (undefined for a user
 * from before incarnations); ids naming no user are absent. Read inside
 * `session` when given. UserStore.incarnations is the one the app hands in:
 * the messages domain reads users only through it.
 */
export type UserIncarnations = (userIds: readonly string[], session?: ClientSession) => Promise<Map<string, string | undefined>>;

/**
 * Which incarnations of a recipient id a listing covers: one (the user's
 * now, with the histories unfinished merges are handing to them), or every
 * one (nobody has the id now).
 */
export type RecipientScope =
  | { readonly kind: 'current'; readonly uid?: string; readonly handovers: Awaited<ReturnType<PendingHandovers>> }
  | { readonly kind: 'any' };

/** A message with the activities created with it. */
export interface CreatedMessage {
  message: MessageRecord;
  activities: ActivityRecord[];
}

/** A message after an activity was added, and that activity. */
export interface AddedActivity {
  message: MessageRecord;
  activity: ActivityRecord;
}

/** Up to a page of items, and whether more follow. */
export interface StoredPage<T> {
  items: T[];
  more: boolean;
}

/** A reference to the user `userId` as they exist now, or USER_NOT_FOUND naming `field`. */
function referenceTo(found: Map<string, string | undefined>, userId: string, field: string): StoredUserRef {
  if (!found.has(userId)) throw namedUserNotFound(field, userId);
  return storedRef(userId, found.get(userId));
}

/** Message persistence. */
export class MessageStore {
  constructor(
    private readonly db: MessagesDatabase,
    private readonly incarnations: UserIncarnations,
    private readonly clock: () => Date,
    private readonly pendingHandovers: PendingHandovers,
  ) {}

  /**
   * Creates the message and its activities in one transaction, after
   * checking there that the recipient and every actor exist. Activities are
   * recorded in the order given: one time, ascending ids.
   */
  create(command: CreateMessageCommand): Promise<CreatedMessage> {
    return inTransaction(this.db.client, async (session) => {
      const actorIds = command.activities.flatMap((a) => (a.actorId === undefined ? [] : [a.actorId]));
      const found = await this.incarnations([command.recipientId, ...actorIds], session);
      const recipient = referenceTo(found, command.recipientId, 'recipient_id');
      const actors = command.activities.map((a, i) =>
        a.actorId === undefined ? undefined : referenceTo(found, a.actorId, `activities[${i}].actor_id`),
      );
      const now = this.clock();
      const message: MessageDocument = {
        _id: new ObjectId(),
        recipient,
        channelId: command.channelId,
        data: command.data,
        insertedAt: now,
        updatedAt: now,
        activityCount: command.activities.length,
      };
      const activities: ActivityDocument[] = command.activities.map((input, i) => {
        const actor = actors[i];
        return { _id: new ObjectId(), messageId: message._id, ...(actor === undefined ? {} : { actor }), data: input.data, insertedAt: now };
      });
      await this.db.messages.insertOne(message, { session });
      await this.db.activities.insertMany(activities, { session });
      return { message: toMessageRecord(message), activities: activities.map(toActivityRecord) };
    });
  }

  /**
   * Adds an activity in one transaction: counts it on the message (which
   * also makes concurrent additions to one message conflict and retry),
   * checks the actor exists, and inserts it.
   */
  addActivity(command: AddActivityCommand): Promise<AddedActivity> {
    return inTransaction(this.db.client, async (session) => {
      const now = this.clock();
      const message = await this.db.messages.findOneAndUpdate(
        { _id: new ObjectId(command.messageId) },
        { $inc: { activityCount: 1 }, $set: { updatedAt: now } },
        { session, returnDocument: 'after' },
      );
      if (message === null) throw messageNotFound(command.messageId);
      const { actorId, data } = command.activity;
      let actor: StoredUserRef | undefined;
      if (actorId !== undefined) {
        actor = referenceTo(await this.incarnations([actorId], session), actorId, 'activity.actor_id');
      }
      const activity: ActivityDocument = { _id: new ObjectId(), messageId: message._id, ...(actor === undefined ? {} : { actor }), data, insertedAt: now };
      await this.db.activities.insertOne(activity, { session });
      return { message: toMessageRecord(message), activity: toActivityRecord(activity) };
    });
  }

  /** The message, or null when there is none with that id. */
  async get(messageId: string): Promise<MessageRecord | null> {
    const doc = await this.db.messages.findOne({ _id: new ObjectId(messageId) }, timeoutOptions());
    return doc === null ? null : toMessageRecord(doc);
  }

  /** Whether a message with that id exists. */
  async exists(messageId: string): Promise<boolean> {
    const doc = await this.db.messages.findOne({ _id: new ObjectId(messageId) }, { projection: { _id: 1 }, ...timeoutOptions() });
    return doc !== null;
  }

  /** Which incarnations ListMessages covers for `recipientId`: the user's now, or all when nobody has the id. */
  async recipientScope(recipientId: string): Promise<RecipientScope> {
    const found = await this.incarnations([recipientId]);
    if (!found.has(recipientId)) return { kind: 'any' };
    const uid = found.get(recipientId);
    const handovers = await this.pendingHandovers(storedRef(recipientId, uid));
    return uid === undefined ? { kind: 'current', handovers } : { kind: 'current', uid, handovers };
  }

  /**
   * Up to `query.pageSize` of the recipient's messages newest first, by
   * (insertedAt, _id) descending, after `query.after`, with the filters; one
   * more is read to learn whether another page follows.
   */
  async list(query: ListMessagesQuery, scope: RecipientScope): Promise<StoredPage<MessageRecord>> {
    const own: Record<string, unknown> = { 'recipient.id': query.recipientId };
    if (scope.kind === 'current') own['recipient.uid'] = scope.uid ?? { $exists: false };
    const whose =
      scope.kind === 'current' && scope.handovers.length > 0
        ? [
            own,
            ...scope.handovers.map(({ from, since }) => ({
              'recipient.id': from.id,
              'recipient.uid': from.uid ?? null,
              insertedAt: { $gte: since },
            })),
          ]
        : [own];
    const filter: Record<string, unknown> = whose.length === 1 ? { ...own } : { $and: [{ $or: whose }] };
    const { channelId, seen, read, archived } = query.filters;
    if (channelId !== undefined) filter['channelId'] = channelId;
    if (seen !== undefined) filter[MESSAGE_STATES.seen] = { $exists: seen };
    if (read !== undefined) filter[MESSAGE_STATES.read] = { $exists: read };
    if (archived !== undefined) filter[MESSAGE_STATES.archived] = { $exists: archived };
    if (query.after !== undefined) {
      const { at, id } = query.after;
      const after = { $or: [{ insertedAt: { $lt: at } }, { insertedAt: at, _id: { $lt: new ObjectId(id) } }] };
      filter['$and'] = [...((filter['$and'] as unknown[] | undefined) ?? []), after];
    }
    const docs = await this.db.messages
      .find(filter as Filter<MessageDocument>, timeoutOptions())
      .sort({ insertedAt: -1, _id: -1 })
      .limit(query.pageSize + 1)
      .toArray();
    return { items: docs.slice(0, query.pageSize).map(toMessageRecord), more: docs.length > query.pageSize };
  }

  /**
   * Sets or clears one state on every listed message that exists, in one
   * transaction, and returns those messages as they are then (in no
   * particular order). Setting touches only messages not yet in the state
   * and clearing only those in it, so a time already set is kept and
   * updatedAt moves only for messages that changed.
   */
  mark(command: MarkMessagesCommand): Promise<MessageRecord[]> {
    return inTransaction(this.db.client, async (session) => {
      const ids = command.messageIds.map((id) => new ObjectId(id));
      const field = MESSAGE_STATES[command.change.state];
      const now = this.clock();
      if (command.change.set) {
        await this.db.messages.updateMany(
          { _id: { $in: ids }, [field]: { $exists: false } },
          { $set: { [field]: now, updatedAt: now } },
          { session },
        );
      } else {
        await this.db.messages.updateMany(
          { _id: { $in: ids }, [field]: { $exists: true } },
          { $unset: { [field]: '' }, $set: { updatedAt: now } },
          { session },
        );
      }
      const docs = await this.db.messages.find({ _id: { $in: ids } }, { session }).toArray();
      return docs.map(toMessageRecord);
    });
  }
}
