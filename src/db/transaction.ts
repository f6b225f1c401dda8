/**
 * Runs multi-document writes as one MongoDB transaction.
 */
import { MongoError, MongoErrorLabel, type ClientSession, type MongoClient, type TransactionOptions } from 'mongodb';
import { remainingTimeoutMS } from '../deadline.ts';
import { isTransientTransactionError } from '../errors/mongo-errors.ts';

/**
 * How many times a transaction runs while it fails with conflicts that the
 * server did not label transient. DocumentDB never adds the label, and with
 * a time limit on its statements it can report an aborted transaction in
 * place of the error that aborted it, so a lasting failure (a unique index
 * taken for good) looks like a race there. A race is won within a few
 * attempts; after these the conflict is reported as it is.
 */
export const MAX_UNLABELLED_ATTEMPTS = 12;

/**
 * Marks a conflict that the server sent without the TransientTransactionError
 * label, on an attempt below the bound, so that the driver's withTransaction
 * retries it as it retries MongoDB's own write conflicts.
 */
function labelTransient(error: unknown, attempt: number): unknown {
  if (
    attempt < MAX_UNLABELLED_ATTEMPTS &&
    error instanceof MongoError &&
    !error.hasErrorLabel(MongoErrorLabel.TransientTransactionError) &&
    isTransientTransactionError(error)
  ) {
    error.addErrorLabel(MongoErrorLabel.TransientTransactionError);
  }
  return error;
}

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
    let attempt = 0;
    const labelled = (s: ClientSession): Promise<T> => {
      attempt += 1;
      return work(s).catch((error: unknown) => {
        throw labelTransient(error, attempt);
      });
    };
    return await session.withTransaction(
      labelled,
      timeoutMS === undefined ? TRANSACTION_OPTIONS : { ...TRANSACTION_OPTIONS, timeoutMS },
    );
  } finally {
    await session.endSession();
  }
}
