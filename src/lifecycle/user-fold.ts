/**
 * The first half of a merge, one transaction: the secondary's properties
 * deep-merged under the primary's, the channel data and preference sets the
 * primary lacks copied over, the secondary deleted with all of theirs, and
 * the merge record that drives the history move written. A dry run reads
 * the same snapshot and writes nothing.
 *
 * Both users are read, and the writes are guarded by the versions read
 * (`{ _id, v }`), so a concurrent identify of either user either lands
 * before the merge (and is merged) or after it: never lost in between. The
 * guard matters on servers that let concurrent read-modify-write
 * transactions lose updates (DocumentDB) as much as on MongoDB.
 */
import { ObjectId, type ClientSession, type Collection } from 'mongodb';
import { newVersion } from '../db/collections.ts';
import { inTransaction } from '../db/transaction.ts';
import { AppError } from '../errors/app-error.ts';
import type { MessagesDatabase } from '../messages/database.ts';
import type { StoredUserRef } from '../messages/documents.ts';
import type { UsersDatabase } from '../users/database.ts';
import { toUserRecord, type UserDocument } from '../users/documents.ts';
import type { UserRecord } from '../users/model.ts';
import { userNotFound } from '../users/not-found.ts';
import { literal } from '../users/pipelines.ts';
import { mergeProperties } from './deep-merge.ts';
import { movableFilters } from './history-mover.ts';
import { MERGE_STATES, type MergeDocument } from './merge-documents.ts';

/** How far back a merge hands the secondary's history to the primary. */
export const MERGE_HISTORY_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The largest merged user, as the API returns it: well inside the 4 MiB any
 * client receives by default, even in a reply that also carries another
 * user (AddActivity) or the merge's own details.
 */
export const MAX_MERGED_USER_BYTES = 1024 * 1024;

/** How a user is measured: the bytes it takes in a reply. */
export type UserSize = (user: UserRecord) => number;

/** Attempts when a user changed between the merge's reads and its writes. */
export const MAX_FOLD_ATTEMPTS = 10;

/** A validated MergeUsers request. */
export interface MergeCommand {
  readonly primaryId: string;
  readonly secondaryId: string;
  readonly dryRun: boolean;
}

/** What the fold did (or, in a dry run, would do). */
export interface FoldOutcome {
  readonly user: UserRecord;
  readonly conflicts: readonly string[];
  readonly channelIdsAdded: readonly string[];
  readonly preferenceSetIdsAdded: readonly string[];
  /** The record that drives the history move; absent in a dry run. */
  readonly merge?: MergeDocument;
  /** In a dry run: what the history move would hand over now. */
  readonly movable?: { readonly messages: number; readonly activities: number };
}

/** A user changed between the reads and the guarded writes of one attempt. */
class UserChanged extends Error {}

function refOf(user: UserDocument): StoredUserRef {
  return user.uid === undefined ? { id: user._id } : { id: user._id, uid: user.uid };
}

export interface FoldDatabases {
  readonly users: UsersDatabase;
  readonly messages: MessagesDatabase;
  readonly merges: Collection<MergeDocument>;
}

/** Folds the secondary into the primary (or plans it, in a dry run); see the module comment. */
export async function foldUsers(db: FoldDatabases, command: MergeCommand, now: Date, sizeOf: UserSize): Promise<FoldOutcome> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await inTransaction(db.users.client, (session) => foldOnce(db, command, now, sizeOf, session));
    } catch (error) {
      if (!(error instanceof UserChanged)) throw error;
      if (attempt >= MAX_FOLD_ATTEMPTS) {
        throw new AppError('WRITE_CONFLICT', `the users kept changing during the merge (${attempt} attempts); retry the merge`);
      }
    }
  }
}

async function foldOnce(
  db: FoldDatabases,
  command: MergeCommand,
  now: Date,
  sizeOf: UserSize,
  session: ClientSession,
): Promise<FoldOutcome> {
  const { primaryId, secondaryId } = command;
  const users = await db.users.users.find({ _id: { $in: [primaryId, secondaryId] } }, { session }).toArray();
  const primary = users.find((u) => u._id === primaryId);
  const secondary = users.find((u) => u._id === secondaryId);
  if (primary === undefined) throw withField(userNotFound(primaryId), 'primary_user_id');
  if (secondary === undefined) throw withField(userNotFound(secondaryId), 'secondary_user_id');

  const { merged, conflicts } = mergeProperties(primary.properties ?? {}, secondary.properties ?? {});
  const mergedUser = toUserRecord({ ...primary, properties: merged });
  const size = sizeOf(mergedUser);
  if (size > MAX_MERGED_USER_BYTES) {
    throw new AppError(
      'MERGED_PROPERTIES_TOO_LARGE',
      `the merged user would take ${size} bytes as the API returns it, more than ${MAX_MERGED_USER_BYTES}`,
      { metadata: { merged_bytes: String(size), max_bytes: String(MAX_MERGED_USER_BYTES) } },
    );
  }

  const both = { userId: { $in: [primaryId, secondaryId] } };
  const channels = await db.users.channelData.find(both, { session }).toArray();
  const sets = await db.users.preferenceSets.find(both, { session }).toArray();
  const primaryChannels = new Set(channels.filter((c) => c.userId === primaryId).map((c) => c.channelId));
  const primarySets = new Set(sets.filter((s) => s.userId === primaryId).map((s) => s.setId));
  const channelsToCopy = channels.filter((c) => c.userId === secondaryId && !primaryChannels.has(c.channelId));
  const setsToCopy = sets.filter((s) => s.userId === secondaryId && !primarySets.has(s.setId));
  const plan = {
    conflicts,
    channelIdsAdded: channelsToCopy.map((c) => c.channelId).sort(),
    preferenceSetIdsAdded: setsToCopy.map((s) => s.setId).sort(),
  };
  const cutoff = new Date(now.getTime() - MERGE_HISTORY_DAYS * DAY_MS);

  if (command.dryRun) {
    const filters = movableFilters({ secondary: refOf(secondary), cutoff });
    const movable = {
      messages: await db.messages.messages.countDocuments(filters.messages, { session }),
      activities: await db.messages.activities.countDocuments(filters.activities, { session }),
    };
    return { user: mergedUser, ...plan, movable };
  }

  const written = await db.users.users.findOneAndUpdate(
    { _id: primaryId, v: primary.v },
    [{ $set: { properties: literal(merged), updatedAt: '$$NOW', v: literal(newVersion()) } }],
    { returnDocument: 'after', session },
  );
  if (written === null) throw new UserChanged();
  if (channelsToCopy.length > 0) {
    await db.users.channelData.insertMany(
      channelsToCopy.map((c) => ({ _id: new ObjectId(), userId: primaryId, channelId: c.channelId, data: c.data, updatedAt: now, v: newVersion() })),
      { session },
    );
  }
  if (setsToCopy.length > 0) {
    await db.users.preferenceSets.insertMany(
      setsToCopy.map(({ _id: _old, userId: _from, ...set }) => ({ ...set, _id: new ObjectId(), userId: primaryId, updatedAt: now, v: newVersion() })),
      { session },
    );
  }
  const { deletedCount } = await db.users.users.deleteOne({ _id: secondaryId, v: secondary.v }, { session });
  if (deletedCount === 0) throw new UserChanged();
  await db.users.channelData.deleteMany({ userId: secondaryId }, { session });
  await db.users.preferenceSets.deleteMany({ userId: secondaryId }, { session });

  const merge: MergeDocument = {
    _id: new ObjectId(),
    secondary: refOf(secondary),
    primary: refOf(written),
    mergedAt: now,
    cutoff,
    state: MERGE_STATES.moving,
    messagesMoved: 0,
    activitiesMoved: 0,
  };
  await db.merges.insertOne(merge, { session });
  return { user: toUserRecord(written), ...plan, merge };
}

/** The NOT_FOUND, with the request field that named the missing user. */
function withField(error: AppError, field: string): AppError {
  return new AppError(error.reason, error.message, { metadata: { ...error.metadata, field } });
}
