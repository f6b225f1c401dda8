/**
 * Reads and writes channel data: one document per (user, channel).
 */
import type { ClientSession } from 'mongodb';
import { inTransaction } from '../db/transaction.ts';
import { newVersion } from '../db/collections.ts';
import type { UsersDatabase } from './database.ts';
import { versionedWrite } from '../db/versioned-write.ts';
import { timeoutOptions } from '../deadline.ts';
import { toChannelDataRecord, type ChannelDataDocument } from './documents.ts';
import { channelDataPipeline } from './pipelines.ts';
import type { UserStore } from './user-store.ts';
import type { ChannelDataInput, ChannelDataRecord, SetChannelDataCommand } from './model.ts';
import { channelDataNotFound } from './not-found.ts';

/**
 * Replaces one channel's data inside `session`, or with `expectedVersion`
 * only the stored record of that version (VERSION_MISMATCH otherwise).
 */
export function writeChannelData(
  db: UsersDatabase,
  session: ClientSession,
  userId: string,
  input: ChannelDataInput,
  expectedVersion?: string,
): Promise<ChannelDataDocument> {
  return versionedWrite(
    db.channelData,
    { userId, channelId: input.channelId },
    channelDataPipeline(input, newVersion()),
    session,
    `users/${userId}/channel_data/${input.channelId}`,
    expectedVersion,
  );
}

/** Channel data persistence. */
export class ChannelDataStore {
  constructor(
    private readonly db: UsersDatabase,
    private readonly users: UserStore,
  ) {}

  /** The stored data for one channel, or null. */
  async get(userId: string, channelId: string): Promise<ChannelDataRecord | null> {
    const doc = await this.db.channelData.findOne({ userId, channelId }, timeoutOptions());
    return doc === null ? null : toChannelDataRecord(doc);
  }

  /** Replaces one channel's data; the user must exist. */
  set(command: SetChannelDataCommand): Promise<ChannelDataRecord> {
    return inTransaction(this.db.client, async (session) => {
      await this.users.touchChildren(command.userId, session);
      const doc = await writeChannelData(
        this.db,
        session,
        command.userId,
        { channelId: command.channelId, data: command.data },
        command.expectedVersion,
      );
      return toChannelDataRecord(doc);
    });
  }

  /** Removes one channel's data; fails when the user or the data is missing. */
  unset(userId: string, channelId: string): Promise<void> {
    return inTransaction(this.db.client, async (session) => {
      await this.users.touchChildren(userId, session);
      const { deletedCount } = await this.db.channelData.deleteOne(
        { userId, channelId },
        { session },
      );
      if (deletedCount === 0) throw channelDataNotFound(userId, channelId);
    });
  }
}
