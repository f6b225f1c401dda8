/**
 * Writes one batch of a bulk identify stream in one transaction: every
 * accepted record's user upsert in one ordered bulkWrite (the same pipeline
 * as IdentifyUser), then its channel data and preference sets in one
 * bulkWrite each. The batch commits whole or not at all.
 *
 * Which records are accepted is decided inside the transaction from one
 * read of the users the batch names, replayed in stream order: a record
 * that would create a user without name and email, or whose
 * expected_version is not the version the user has at that point of the
 * stream, is rejected alone. Records for one user thus apply as if sent one
 * by one, and the outcome is computed afresh on every attempt of the
 * transaction.
 */
import type { AnyBulkWriteOperation, Document, Filter } from 'mongodb';
import { newVersion } from '../db/collections.ts';
import type { UsersDatabase } from '../users/database.ts';
import { inTransaction } from '../db/transaction.ts';
import type { FieldViolation } from '../errors/app-error.ts';
import type { ChannelDataDocument, PreferenceSetDocument, UserDocument } from '../users/documents.ts';
import type { IdentifyCommand } from '../users/model.ts';
import { newUserIncomplete } from '../users/new-user-rules.ts';
import { channelDataPipeline, identifyPipeline, preferenceSetPipeline } from '../users/pipelines.ts';

/** One record of a batch: valid (a command) or already rejected by validation. */
export type BatchRecord =
  | { readonly position: number; readonly userId: string; readonly command: IdentifyCommand }
  | { readonly position: number; readonly userId: string; readonly violations: readonly FieldViolation[] };

/** A record that was not written, and why. */
export interface Rejection {
  readonly position: number;
  readonly userId: string;
  readonly violations: readonly FieldViolation[];
}

/** What one committed batch did. */
export interface BatchOutcome {
  readonly created: number;
  readonly updated: number;
  /** In stream order. */
  readonly rejections: Rejection[];
}

function versionMismatch(expected: string, actual: string | undefined): FieldViolation {
  const found = actual === undefined ? 'the user does not exist' : `the stored version is ${JSON.stringify(actual)}`;
  return {
    field: 'expected_version',
    reason: 'WRONG_VERSION',
    description: `expected version ${JSON.stringify(expected)} but ${found} at this point of the stream`,
  };
}

/** A child record's write, as IdentifyUser makes it: replace-or-create by its key. */
function upsertOne<T extends Document>(filter: Filter<T>, update: Document[]): AnyBulkWriteOperation<T> {
  return { updateOne: { filter, update, upsert: true } };
}

/** Writes `records` (in stream order) in one transaction and says what became of each. */
export function writeBatch(db: UsersDatabase, records: readonly BatchRecord[]): Promise<BatchOutcome> {
  return inTransaction(db.client, async (session) => {
    const ids = [...new Set(records.filter((r) => 'command' in r).map((r) => r.userId))];
    const stored = ids.length === 0
      ? []
      : await db.users.find({ _id: { $in: ids } }, { projection: { _id: 1, v: 1 }, session }).toArray();
    // The version of each user as the stream has left it so far in this batch.
    const versions = new Map<string, string>(stored.map((doc) => [doc._id, doc.v]));

    const users: AnyBulkWriteOperation<UserDocument>[] = [];
    const channelData: AnyBulkWriteOperation<ChannelDataDocument>[] = [];
    const preferenceSets: AnyBulkWriteOperation<PreferenceSetDocument>[] = [];
    const rejections: Rejection[] = [];
    let created = 0;
    let updated = 0;
    for (const record of records) {
      if (!('command' in record)) {
        rejections.push(record);
        continue;
      }
      const { command, userId } = record;
      const current = versions.get(userId);
      const expected = command.expectedVersion;
      if (expected !== undefined && current !== expected) {
        rejections.push({ position: record.position, userId, violations: [versionMismatch(expected, current)] });
        continue;
      }
      if (current === undefined && (command.profile.name === undefined || command.profile.email === undefined)) {
        rejections.push({ position: record.position, userId, violations: newUserIncomplete(command.profile).violations });
        continue;
      }
      const version = newVersion();
      users.push({
        updateOne: {
          filter: expected === undefined ? { _id: userId } : { _id: userId, v: expected },
          update: identifyPipeline(command, version),
          upsert: current === undefined,
        },
      });
      for (const input of command.channelData) {
        channelData.push(upsertOne({ userId, channelId: input.channelId }, channelDataPipeline(input, newVersion())));
      }
      for (const input of command.preferenceSets) {
        preferenceSets.push(upsertOne({ userId, setId: input.id }, preferenceSetPipeline(input, newVersion())));
      }
      if (current === undefined) created += 1;
      else updated += 1;
      versions.set(userId, version);
    }
    if (users.length > 0) await db.users.bulkWrite(users, { ordered: true, session });
    if (channelData.length > 0) await db.channelData.bulkWrite(channelData, { ordered: true, session });
    if (preferenceSets.length > 0) await db.preferenceSets.bulkWrite(preferenceSets, { ordered: true, session });
    return { created, updated, rejections };
  });
}
