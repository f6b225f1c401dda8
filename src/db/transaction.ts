/**
 * Runs multi-document writes as one MongoDB transaction.
 */
import type { ClientSession, MongoClient, TransactionOptions } from 'mongodb';
import { remainingTimeoutMS } from '../deadline.ts';

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
 *
 * The call's deadline bounds the whole transaction, retries included, so a
 * transaction that keeps losing write conflicts gives up when the caller
 * stops waiting. Operations inside must then not set `timeoutMS` themselves.
 */
export async function inTransaction<T>(
  client: MongoClient,
  work: (session: ClientSession) => Promise<T>,
): Promise<T> {
  const session = client.startSession();
  try {
    const timeoutMS = remainingTimeoutMS();
    return await session.withTransaction(
      work,
      timeoutMS === undefined ? TRANSACTION_OPTIONS : { ...TRANSACTION_OPTIONS, timeoutMS },
    );
  } finally {
    await session.endSession();
  }
}
