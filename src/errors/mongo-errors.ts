import {
  MongoClientClosedError,
  MongoError,
  MongoErrorLabel,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerClosedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { AppError } from './app-error.ts';

/**
 * Server error codes (src/mongo/base/error_codes.yml) that mean "no usable
 * primary right now": elections, step-downs, shutdowns, unreachable hosts.
 * The driver retries these once for retryable writes; seen here, they
 * outlived that retry.
 */
const UNAVAILABLE_CODES: ReadonlySet<number> = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  64, // WriteConcernFailed (majority not confirmed in time)
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/** Codes for an operation that ran out of its server-side time budget. */
const TIMEOUT_CODES: ReadonlySet<number> = new Set([
  50, // MaxTimeMSExpired
  262, // ExceededTimeLimit
]);

/**
 * Codes of a transaction that lost a race with a concurrent one, and may
 * succeed when run again. MongoDB labels these TransientTransactionError
 * itself; DocumentDB does not, and reports PostgreSQL's serialization
 * failure under the code it packs unmapped SQLSTATEs into.
 */
const TRANSIENT_CONFLICT_CODES: ReadonlySet<number> = new Set([
  112, // WriteConflict (DocumentDB also sends it for lock timeouts and deadlocks)
  16_777_220, // DocumentDB: SQLSTATE 40001 serialization_failure ("could not serialize access")
  // DocumentDB: SQLSTATE 25P02 in_failed_sql_transaction. Seen with a time
  // limit (maxTimeMS) on a write that waited for a lock: the transaction is
  // already aborted, and only running it again can succeed.
  33_685_826,
]);

/** Codes for losing a race with a concurrent write. */
const CONFLICT_CODES: ReadonlySet<number> = new Set([
  ...TRANSIENT_CONFLICT_CODES,
  11000, // DuplicateKey
  11001, // DuplicateKey (legacy)
]);

/**
 * True for an error inside a transaction that running the transaction again
 * may cure: labelled TransientTransactionError, or a conflict code a server
 * sent without that label.
 */
export function isTransientTransactionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = numericCode(err);
  return hasLabel(err, MongoErrorLabel.TransientTransactionError) || (code !== undefined && TRANSIENT_CONFLICT_CODES.has(code));
}

/** Driver-internal errors that are exported by name only. */
const UNAVAILABLE_NAMES: ReadonlySet<string> = new Set(['MongoWaitQueueTimeoutError']);
const CLOSED_NAMES: ReadonlySet<string> = new Set(['MongoPoolClosedError']);

/**
 * Node socket error codes. The driver lets some of them through unwrapped
 * (an EPIPE from writing to a socket the server has just closed), and the
 * service does no network I/O of its own besides MongoDB.
 */
const SOCKET_ERROR_CODES: ReadonlySet<string> = new Set([
  'EPIPE',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
]);

/** True for a Node socket error, directly or as the cause of another error. */
function isSocketError(err: unknown): boolean {
  for (let current = err, depth = 0; current instanceof Error && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && SOCKET_ERROR_CODES.has(code)) return true;
    current = current.cause;
  }
  return false;
}

/**
 * True for an error thrown by the MongoDB driver, or a socket error it let
 * through. The name check also catches errors from a second copy of the
 * driver in node_modules, whose classes `instanceof` does not see.
 */
export function isMongoError(err: unknown): err is Error {
  return (
    err instanceof MongoError ||
    (err instanceof Error && err.name.startsWith('Mongo')) ||
    isSocketError(err)
  );
}

/** True for an error that means the database cannot be reached, directly or as the cause of another. */
function isOutage(err: unknown): boolean {
  for (let current = err, depth = 0; current instanceof Error && depth < 5; depth += 1) {
    if (
      current instanceof MongoServerSelectionError ||
      current instanceof MongoNetworkError ||
      current instanceof MongoNotConnectedError ||
      current instanceof MongoServerClosedError ||
      UNAVAILABLE_NAMES.has(current.name) ||
      isSocketError(current)
    ) {
      return true;
    }
    const code = numericCode(current);
    if (code !== undefined && UNAVAILABLE_CODES.has(code)) return true;
    current = current.cause;
  }
  return false;
}

function numericCode(err: Error): number | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

function hasLabel(err: Error, label: string): boolean {
  const labels = (err as { errorLabels?: unknown }).errorLabels;
  return Array.isArray(labels) && labels.includes(label);
}

/**
 * Maps a MongoDB driver error to the AppError the client sees. The driver's
 * own message never goes on the wire (it names hosts and may quote values);
 * it stays on the AppError as `cause`, for the log.
 *
 * - client closed (our own shutdown) → UNAVAILABLE / SHUTTING_DOWN
 * - server selection timeout, network errors (the driver's, or a bare socket
 *   error such as EPIPE), pool cleared, not connected, no primary
 *   (elections, step-downs) → UNAVAILABLE / DATABASE_UNAVAILABLE
 * - a CSOT timeout caused by an outage (withTransaction retrying server
 *   selection or network errors until the time ran out) → UNAVAILABLE /
 *   DATABASE_UNAVAILABLE: the cause decides, not which timer fired
 * - other CSOT timeouts, MaxTimeMSExpired (50) → DEADLINE_EXCEEDED
 * - WriteConflict (112), a TransientTransactionError label left after the
 *   driver's retries, and duplicate key (11000) → ABORTED / WRITE_CONFLICT.
 *   The service never inserts an id that may exist except by upsert, so a
 *   duplicate key means two concurrent upserts of the same new id raced;
 *   retrying the call is safe and succeeds. ALREADY_EXISTS would be wrong:
 *   no client call asks to create something that must not exist.
 * - anything else → INTERNAL
 */
export function fromMongoError(err: unknown): AppError {
  if (!(err instanceof Error)) return AppError.internal(err);
  const cause = { cause: err };
  if (
    err instanceof MongoClientClosedError ||
    err instanceof MongoTopologyClosedError ||
    CLOSED_NAMES.has(err.name)
  ) {
    return new AppError('SHUTTING_DOWN', 'the server is shutting down; retry on another instance', cause);
  }
  const code = numericCode(err);
  if (isOutage(err) || hasLabel(err, MongoErrorLabel.SystemOverloadedError)) {
    return new AppError('DATABASE_UNAVAILABLE', 'the database is unavailable; retry with backoff', cause);
  }
  if (err instanceof MongoOperationTimeoutError || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return new AppError('DEADLINE_EXCEEDED', 'the database operation ran out of time', cause);
  }
  if ((code !== undefined && CONFLICT_CODES.has(code)) || hasLabel(err, MongoErrorLabel.TransientTransactionError)) {
    return new AppError('WRITE_CONFLICT', 'a concurrent write to the same data won; retry the call', cause);
  }
  return AppError.internal(err);
}
