/**
 * Every index the service needs, declared once and created idempotently at
 * start-up: createIndexes with an identical specification is a no-op.
 */
import type { Db, IndexDescription } from 'mongodb';
import { timeoutOptions } from '../deadline.ts';
import { COLLECTIONS } from '../users/documents.ts';

/** Indexes by collection name. Users need none beyond `_id`. */
export const INDEXES: Readonly<Record<string, readonly IndexDescription[]>> = {
  [COLLECTIONS.channelData]: [
    // One record per (user, channel); the user prefix serves delete and list.
    { key: { userId: 1, channelId: 1 }, name: 'user_channel', unique: true },
  ],
  [COLLECTIONS.preferenceSets]: [
    // One record per (user, set); the user prefix serves delete and list.
    { key: { userId: 1, setId: 1 }, name: 'user_set', unique: true },
  ],
};

/** MongoDB's code for "collection already exists". */
const NAMESPACE_EXISTS = 48;

/**
 * Creates every collection and declared index that does not exist yet.
 * Collections are created up front because creating one implicitly inside a
 * transaction is restricted on some deployments (sharded clusters).
 */
/** Each operation is bounded by the current deadline (see withTimeLimit), if any. */
export async function ensureIndexes(db: Db): Promise<void> {
  for (const name of Object.values(COLLECTIONS)) {
    try {
      await db.createCollection(name, timeoutOptions());
    } catch (error) {
      if ((error as { code?: unknown }).code !== NAMESPACE_EXISTS) throw error;
    }
  }
  for (const [collection, indexes] of Object.entries(INDEXES)) {
    await db.collection(collection).createIndexes([...indexes], timeoutOptions());
  }
}
