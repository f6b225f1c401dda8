/**
 * Runs multi-document writes as one MongoDB transaction.
 */
import type { ClientSession, MongoClient, TransactionOptions } from 'mongodb';

/**
 * Snapshot reads and majority writes: what the transaction reads is one
 * consistent point in time, and a commit that returns has been replicated.
 */
export const TRANSACTION_OPTIONS: TransactionOptions = {
  readConcern: { level: 'snapshot' },
  writeConcern: { w: 'majority' },
  readPreference: 'primary',
};

/**
 * Runs `work` in a transaction and returns its result. The driver retries the
 * whole callback on a TransientTransactionError (e.g. a write conflict), so
 * `work` must be safe to run more than once: it may compute values afresh
 * but must not keep state from an earlier attempt. Every operation inside
 * must receive `session`, run one after another, and let errors propagate.
 */
export async function inTransaction<T>(
  client: MongoClient,
  work: (session: ClientSession) => Promise<T>,
): Promise<T> {
  const session = client.startSession();
  try {
    return await session.withTransaction(work, TRANSACTION_OPTIONS);
  } finally {
    await session.endSession();
  }
}
