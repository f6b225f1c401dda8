/**
 * Reads a bulk identify stream and writes it in batches. Messages are
 * pulled one at a time and only while the batch in hand has room, so the
 * server holds at most one batch (plus what the transport buffers) however
 * long the stream and however fast the client; while a full batch is being
 * written nothing more is read. A partial batch is written once the client
 * pauses ({@link IDLE_FLUSH_MS}), so acknowledgements never wait for records
 * the client holds back. Each record is numbered by its position in
 * the whole stream and validated on its own: a bad record is a result, not
 * a stream error. After a cancel the batch in flight finishes and nothing
 * after it is written, so the database only ever holds whole batches.
 */
import type { IdentifyUserRequest } from '../gen/herald/users/v1/users_service.js';
import { AppError } from '../errors/app-error.ts';
import type { UsersDatabase } from '../users/database.ts';
import { validateIdentifyUser } from '../users/validation/index.ts';
import { withTimeLimit } from '../deadline.ts';
import { writeBatch, type BatchOutcome, type BatchRecord, type Rejection } from './batch-writer.ts';

/** Batch size and stream length; configured by BULK_BATCH_SIZE and BULK_MAX_USERS_PER_STREAM. */
export interface BulkLimits {
  readonly batchSize: number;
  readonly maxUsersPerStream: number;
  /** How long one batch may take to commit (MONGODB_TIMEOUT_MS); a stream itself may last as long as its caller likes. */
  readonly batchTimeoutMs: number;
}

/** One message of the stream as the transport decoded it. */
export interface StreamMessage {
  readonly users: readonly IdentifyUserRequest[];
  /** Set on the first message of a resumed stream only. */
  readonly startPosition?: number;
}

/** How the stream is read and what is told after each batch. */
export interface StreamHandling {
  readonly db: UsersDatabase;
  readonly limits: BulkLimits;
  /** True once the caller has gone (cancel, deadline, shutdown): stop after the batch in flight. */
  readonly stopped: () => boolean;
  /** Called after each committed batch with the position every record before which is done. */
  readonly onBatch?: (nextPosition: number, outcome: BatchOutcome) => Promise<void>;
  /** How many rejections the totals keep; the rest are counted. */
  readonly keepRejections: number;
}

/** What the whole stream did. */
export interface StreamTotals {
  received: number;
  created: number;
  updated: number;
  rejected: number;
  rejections: Rejection[];
  rejectionsOmitted: number;
  /** False when the stream stopped early because the caller went away. */
  completed: boolean;
}

/**
 * How long a partial batch waits for the client's next message before it
 * is written anyway, so that a client that sends a window of records and
 * waits for their acknowledgement is never left waiting.
 */
export const IDLE_FLUSH_MS = 50;

/** `promise`'s result when it settles within `ms`, else undefined (it is left to settle later). */
async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const idle = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, idle]);
  } finally {
    clearTimeout(timer);
  }
}

/** A record as validated: a command, or the violations IdentifyUser would have answered. */
function toRecord(position: number, request: IdentifyUserRequest): BatchRecord {
  try {
    return { position, userId: request.userId, command: validateIdentifyUser(request) };
  } catch (error) {
    if (error instanceof AppError && error.violations.length > 0) {
      return { position, userId: request.userId, violations: error.violations };
    }
    throw error;
  }
}

/**
 * Consumes `messages` and returns the totals. Throws (an AppError) only for
 * what makes going on impossible: a bad `start_position`, or more records
 * than the stream may carry; batches committed before stay.
 */
export async function identifyStream(messages: AsyncIterable<StreamMessage>, handling: StreamHandling): Promise<StreamTotals> {
  const { limits } = handling;
  const totals: StreamTotals = { received: 0, created: 0, updated: 0, rejected: 0, rejections: [], rejectionsOmitted: 0, completed: false };
  let position = 0;
  let first = true;
  let batch: BatchRecord[] = [];

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const records = batch;
    const outcome = await withTimeLimit(limits.batchTimeoutMs, () => writeBatch(handling.db, records));
    const end = position;
    batch = [];
    totals.created += outcome.created;
    totals.updated += outcome.updated;
    totals.rejected += outcome.rejections.length;
    for (const rejection of outcome.rejections) {
      if (totals.rejections.length < handling.keepRejections) totals.rejections.push(rejection);
      else totals.rejectionsOmitted += 1;
    }
    await handling.onBatch?.(end, outcome);
  };

  const iterator = messages[Symbol.asyncIterator]();
  for (;;) {
    const next = iterator.next();
    let result = batch.length === 0 ? await next : await settledWithin(next, IDLE_FLUSH_MS);
    if (result === undefined) {
      // The client has paused with a partial batch in hand (it may be waiting
      // for an acknowledgement before it sends more): write it now.
      await flush();
      if (handling.stopped()) return totals;
      result = await next;
    }
    if (result.done === true) break;
    const message = result.value;
    if (handling.stopped()) return totals;
    const start = message.startPosition ?? 0;
    if (first) position = start;
    else if (start !== 0) {
      throw AppError.invalid([
        { field: 'start_position', reason: 'CONFLICT', description: 'may be set on the first message of a stream only' },
      ]);
    }
    first = false;
    if (totals.received + message.users.length > limits.maxUsersPerStream) {
      // The records read so far are whole and valid work: written, then the stream ends.
      await flush();
      throw new AppError(
        'STREAM_TOO_LONG',
        `the stream carries more than ${limits.maxUsersPerStream} users; every record before position ${position} is done: continue from there in a new stream`,
        { metadata: { next_position: String(position) } },
      );
    }
    for (const request of message.users) {
      batch.push(toRecord(position, request));
      position += 1;
      totals.received += 1;
      if (batch.length >= limits.batchSize) {
        await flush();
        if (handling.stopped()) return totals;
      }
    }
  }
  if (handling.stopped()) return totals;
  await flush();
  totals.completed = true;
  return totals;
}
