/**
 * Sends rows through StreamIdentifyUsers and resumes when a stream breaks.
 *
 * Every row that can be sent gets the next stream position (0, 1, 2, ...
 * over the whole upload; unreadable rows get none) and stays in memory
 * until an acknowledgement's next_position passes it. Reading stops while
 * `window` records are unacknowledged, so memory is bounded by the window,
 * not the file. When a stream fails with a retryable status, a new one is
 * opened after a backoff; its first message sets start_position to the
 * last acknowledged next_position and the unacknowledged records are sent
 * again. Attempts are counted only while no acknowledgement arrives.
 */
import { status, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import {
  IdentifyUserRequest,
  type RejectedUser,
  type StreamIdentifyUsersRequest,
  type StreamIdentifyUsersResponse,
} from '../../gen/herald/users/v1/users_service.js';
import { PendingRecords } from './pending.ts';
import { LOCAL_REASONS, type Reason } from './records.ts';
import type { SourceRow } from './sources.ts';
import { errorReason, isRetryable } from './retry.ts';

export type IdentifyStream = ClientDuplexStream<StreamIdentifyUsersRequest, StreamIdentifyUsersResponse>;

/** How the upload reaches the service: a new stream, and a way to drop a broken connection. */
export interface StreamOpener {
  open(): IdentifyStream;
  /** Called after a failed stream, before the backoff: the next open should connect afresh. */
  reset(): void;
}

export interface UploadOptions {
  /** Most users in one stream message (1 to 1000). */
  readonly batch: number;
  /** Most records read but not acknowledged. */
  readonly window: number;
  /** Most encoded user bytes in one stream message. */
  readonly maxMessageBytes: number;
  /** Failed streams in a row without progress before giving up. */
  readonly retries: number;
  readonly backoffMs: { readonly initial: number; readonly max: number };
  /** With the window full, how long to wait for an acknowledgement before ending the stream to make the server write what it holds. */
  readonly stallMs: number;
}

/** What the upload reports as it goes. */
export interface UploadEvents {
  /** A row that was not sent (unreadable, or too large) or a record the service refused. */
  rejected(line: number | null, userId: string | null, reasons: readonly Reason[], by: 'local' | 'server'): void;
  /** Before each reconnection. */
  retrying?(attempt: number, delayMs: number, error: ServiceError): void;
  /** Resolves once it is fine to produce more rejections (the rejected-rows file has drained). */
  backpressure?(): Promise<void> | undefined;
}

/** Live counters, readable while the upload runs. */
export interface UploadStats {
  /** Records given a position (sent at least once, or about to be). */
  positions: number;
  /** Records acknowledged: stored or rejected by the service. */
  acknowledged: number;
  created: number;
  updated: number;
  /** Records the service rejected. */
  rejected: number;
  /** Rows that could not be sent at all. */
  malformed: number;
  /** Streams opened after the first. */
  reconnects: number;
  /** The file line of the last acknowledged record (0 before the first). */
  acknowledgedLine: number;
}

export type UploadResult =
  | { readonly completed: true }
  | { readonly completed: false; readonly error: ServiceError | Error };

type StreamEnd = { readonly kind: 'ok' } | { readonly kind: 'error'; readonly error: ServiceError };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function backoff(attempt: number, options: UploadOptions['backoffMs']): number {
  const base = Math.min(options.max, options.initial * 2 ** (attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** One resumable upload of `rows`. */
export class Upload {
  readonly stats: UploadStats = { positions: 0, acknowledged: 0, created: 0, updated: 0, rejected: 0, malformed: 0, reconnects: 0, acknowledgedLine: 0 };
  readonly #pending = new PendingRecords();
  readonly #rows: AsyncIterator<SourceRow>;
  #sourceDone = false;
  #stopped = false;
  #call: IdentifyStream | undefined;

  constructor(
    rows: AsyncIterable<SourceRow>,
    private readonly opener: StreamOpener,
    private readonly options: UploadOptions,
    private readonly events: UploadEvents,
  ) {
    this.#rows = rows[Symbol.asyncIterator]();
  }

  /** Stops the upload (on an operator's interrupt): the stream is cancelled and run() resolves incomplete. */
  stop(): void {
    this.#stopped = true;
    this.#call?.cancel();
  }

  /** Runs to the end of the rows, or until the service cannot be reached after the retries. */
  async run(): Promise<UploadResult> {
    const interrupted = (): UploadResult => ({ completed: false, error: new Error('interrupted') });
    let failures = 0;
    for (let streams = 0; ; streams += 1) {
      if (streams > 0) this.stats.reconnects += 1;
      const acknowledgedBefore = this.stats.acknowledged;
      let end: StreamEnd;
      try {
        end = await this.#stream();
      } catch (error) {
        // Reading the file failed: nothing more can be sent.
        return { completed: false, error: error instanceof Error ? error : new Error(String(error)) };
      }
      if (this.#stopped) return interrupted();
      const progressed = this.stats.acknowledged > acknowledgedBefore;
      if (progressed) failures = 0;
      let error: ServiceError;
      if (end.kind === 'ok') {
        if (this.#sourceDone && this.#pending.size === 0) return { completed: true };
        // The service ended the stream before acknowledging everything (after
        // a stall, say): go on in a new stream, at once if it made progress.
        if (progressed) continue;
        error = Object.assign(new Error('the stream ended without acknowledging the records sent'), {
          code: status.UNAVAILABLE,
          details: 'the stream ended early',
          metadata: undefined,
        }) as unknown as ServiceError;
      } else {
        if (!isRetryable(end.error)) return { completed: false, error: end.error };
        // A stream longer than the service takes goes on in a new one at once.
        if (progressed && errorReason(end.error) === 'STREAM_TOO_LONG') continue;
        error = end.error;
      }
      this.opener.reset();
      failures += 1;
      if (failures > this.options.retries) return { completed: false, error };
      const delay = backoff(failures, this.options.backoffMs);
      this.events.retrying?.(failures, delay, error);
      await sleep(delay);
      if (this.#stopped) return interrupted();
    }
  }

  /** Reads the next row: a sendable one joins the pending records, another is reported rejected. */
  async #readOne(): Promise<void> {
    const next = await this.#rows.next();
    if (next.done === true) {
      this.#sourceDone = true;
      return;
    }
    const row = next.value;
    if (!('request' in row)) {
      this.stats.malformed += 1;
      this.events.rejected(row.line, row.userId, row.reasons, 'local');
      return;
    }
    const bytes = IdentifyUserRequest.encode(row.request).finish().length;
    if (bytes > this.options.maxMessageBytes) {
      this.stats.malformed += 1;
      this.events.rejected(row.line, row.request.userId, [
        { field: '', reason: LOCAL_REASONS.TOO_LARGE, description: `the record is ${bytes} bytes encoded, more than the ${this.options.maxMessageBytes} a stream message may carry` },
      ], 'local');
      return;
    }
    this.#pending.push({ position: this.#pending.end, line: row.line, request: row.request, bytes });
    this.stats.positions = this.#pending.end;
  }

  #acknowledge(ack: StreamIdentifyUsersResponse): void {
    for (const rejection of ack.rejections) this.#rejectedByServer(rejection);
    this.stats.created += ack.created;
    this.stats.updated += ack.updated;
    if (ack.nextPosition > this.stats.acknowledged) {
      this.stats.acknowledged = Math.min(ack.nextPosition, this.#pending.end);
      this.stats.acknowledgedLine = this.#pending.get(this.stats.acknowledged - 1)?.line ?? this.stats.acknowledgedLine;
      this.#pending.releaseBefore(this.stats.acknowledged);
    }
  }

  #rejectedByServer(rejection: RejectedUser): void {
    this.stats.rejected += 1;
    const record = this.#pending.get(rejection.position);
    this.events.rejected(
      record?.line ?? null,
      rejection.userId,
      rejection.violations.map((v) => ({ field: v.field, reason: v.reason, description: v.description })),
      'server',
    );
  }

  /** One stream, from start_position = the last acknowledged position; resolves when it ends. */
  async #stream(): Promise<StreamEnd> {
    const call = this.opener.open();
    this.#call = call;
    try {
      return await this.#drive(call);
    } catch (error) {
      call.cancel();
      throw error;
    } finally {
      this.#call = undefined;
    }
  }

  async #drive(call: IdentifyStream): Promise<StreamEnd> {
    let end: StreamEnd | undefined;
    let gotEnd = false;
    let okStatus = false;
    let lastAck = Date.now();
    let wake: () => void = () => {};
    const notify = (): void => {
      const resolve = wake;
      wake = () => {};
      resolve();
    };
    const wait = (ms?: number): Promise<void> =>
      new Promise<void>((resolve) => {
        const timer = ms === undefined ? undefined : setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    call.on('data', (ack: StreamIdentifyUsersResponse) => {
      this.#acknowledge(ack);
      lastAck = Date.now();
      notify();
    });
    call.on('error', (error: ServiceError) => {
      end ??= { kind: 'error', error };
      notify();
    });
    call.on('status', (s: { code: number }) => {
      if (s.code === status.OK) okStatus = true;
      if (okStatus && gotEnd) end ??= { kind: 'ok' };
      notify();
    });
    call.on('end', () => {
      gotEnd = true;
      if (okStatus) end ??= { kind: 'ok' };
      notify();
    });
    call.on('drain', notify);

    let cursor = this.stats.acknowledged;
    let first = true;
    let users: IdentifyUserRequest[] = [];
    let messageStart = cursor;
    let bytes = 0;
    let halfClosed = false;
    const send = (): boolean => {
      const message: StreamIdentifyUsersRequest = { startPosition: first ? messageStart : 0, users };
      first = false;
      users = [];
      bytes = 0;
      return call.write(message);
    };

    while (end === undefined) {
      if (!halfClosed && cursor < this.#pending.end) {
        // Records read (or left unacknowledged by an earlier stream) but not sent on this one.
        const record = this.#pending.get(Math.max(cursor, this.stats.acknowledged));
        if (record === undefined) {
          cursor = this.stats.acknowledged;
          continue;
        }
        if (users.length > 0 && bytes + record.bytes > this.options.maxMessageBytes) {
          if (!send()) await wait();
          continue;
        }
        if (users.length === 0) messageStart = record.position;
        cursor = record.position + 1;
        users.push(record.request);
        bytes += record.bytes;
        if (users.length >= this.options.batch && !send()) await wait();
        continue;
      }
      const held = this.events.backpressure?.();
      if (held !== undefined) {
        await held;
        continue;
      }
      if (!halfClosed && !this.#sourceDone && this.#pending.size < this.options.window) {
        await this.#readOne();
        continue;
      }
      if (users.length > 0) {
        if (!send()) await wait();
        continue;
      }
      if (!halfClosed && this.#sourceDone) {
        call.end();
        halfClosed = true;
        continue;
      }
      // The window is full: wait for an acknowledgement. If none comes, the
      // server may be holding a partial batch for more records; ending the
      // stream makes it write them, and the upload continues on a new one.
      const idle = Date.now() - lastAck;
      if (!halfClosed && idle >= this.options.stallMs) {
        call.end();
        halfClosed = true;
        continue;
      }
      await wait(halfClosed ? undefined : this.options.stallMs - idle);
    }
    if (!gotEnd || !okStatus) call.cancel();
    return end;
  }
}
