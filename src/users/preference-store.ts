/**
 * Reads and writes preference sets: one document per (user, set).
 */
import type { ClientSession } from 'mongodb';
import { inTransaction } from '../db/transaction.ts';
import { newVersion } from '../db/collections.ts';
import type { UsersDatabase } from './database.ts';
import { versionedWrite } from '../db/versioned-write.ts';
import { timeoutOptions } from '../deadline.ts';
import { toPreferenceSetRecord, type PreferenceSetDocument } from './documents.ts';
import { preferenceSetPipeline } from './pipelines.ts';
import type { UserStore } from './user-store.ts';
import type { PreferenceSetInput, PreferenceSetRecord, SetPreferencesCommand } from './model.ts';

/**
 * Replaces one preference set inside `session`, or with `expectedVersion`
 * only the stored set of that version (VERSION_MISMATCH otherwise).
 */
export function writePreferenceSet(
  db: UsersDatabase,
  session: ClientSession,
  userId: string,
  input: PreferenceSetInput,
  expectedVersion?: string,
): Promise<PreferenceSetDocument> {
  return versionedWrite(
    db.preferenceSets,
    { userId, setId: input.id },
    preferenceSetPipeline(input, newVersion()),
    session,
    `users/${userId}/preferences/${input.id}`,
    expectedVersion,
  );
}

/** Preference set persistence. */
export class PreferenceStore {
  constructor(
    private readonly db: UsersDatabase,
    private readonly users: UserStore,
  ) {}

  /** One stored set, or null. */
  async get(userId: string, setId: string): Promise<PreferenceSetRecord | null> {
    const doc = await this.db.preferenceSets.findOne({ userId, setId }, timeoutOptions());
    return doc === null ? null : toPreferenceSetRecord(doc);
  }

  /** All of the user's sets in ascending order of id. */
  async list(userId: string): Promise<PreferenceSetRecord[]> {
    const docs = await this.db.preferenceSets
      .find({ userId }, timeoutOptions())
      .sort({ setId: 1 })
      .toArray();
    return docs.map(toPreferenceSetRecord);
  }

  /** Replaces one set; the user must exist. */
  set(command: SetPreferencesCommand): Promise<PreferenceSetRecord> {
    return inTransaction(this.db.client, async (session) => {
      await this.users.touchChildren(command.userId, session);
      const doc = await writePreferenceSet(
        this.db,
        session,
        command.userId,
        command.set,
        command.expectedVersion,
      );
      return toPreferenceSetRecord(doc);
    });
  }
}
