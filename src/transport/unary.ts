/**
 * The edge of every unary call: request id, deadline, one log line, and the
 * single place where errors become gRPC statuses.
 */
import { randomUUID } from 'node:crypto';
import { Metadata, status, type handleUnaryCall, type ServerUnaryCall } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { AppError } from '../errors/app-error.ts';
import { toServiceError } from '../errors/grpc-status.ts';
import { isMongoError } from '../errors/mongo-errors.ts';
import { withDeadline } from '../deadline.ts';
import { rejectionOf } from './strict-requests.ts';
import { ANONYMOUS, callerFromMetadata } from '../auth/caller-header.ts';

/** The metadata key that carries the request id both ways. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** A caller's request id is reused when it is short and printable. */
const CALLER_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's request id when usable, else a fresh one. */
export function requestIdOf(metadata: Metadata): string {
  const [value] = metadata.get(REQUEST_ID_HEADER);
  return typeof value === 'string' && CALLER_REQUEST_ID.test(value) ? value : randomUUID();
}

/** What the server knows right now, which decides how a failure is reported. */
export interface ServerState {
  /** Shutdown has begun: failures caused by it are SHUTTING_DOWN, not INTERNAL. */
  readonly shuttingDown: boolean;
  /** The last health probe of MongoDB answered in time. */
  readonly databaseReachable: boolean;
}

/** Everything the call edge needs besides the handler. */
export interface CallEdge {
  readonly logger: Logger;
  /** The deadline, in milliseconds, of a call that brings none. */
  readonly defaultDeadlineMs: number;
  readonly state: ServerState;
}

/** What a handler gets besides the request. */
export interface CallContext {
  requestId: string;
  logger: Logger;
}

/**
 * Reports a failure by its cause, as far as the server can tell it: a
 * MongoDB error while shutting down is the shutdown's doing, and running out
 * of time while the database does not answer its health probe is an outage
 * (UNAVAILABLE, which clients retry), not a slow call.
 */
export function byCause(error: AppError, state: ServerState): AppError {
  if (state.shuttingDown && error.reason === 'INTERNAL' && isMongoError(error.cause)) {
    return new AppError('SHUTTING_DOWN', 'the server is shutting down; retry on another instance', { cause: error.cause });
  }
  if (error.reason === 'DEADLINE_EXCEEDED' && !state.databaseReachable) {
    return new AppError('DATABASE_UNAVAILABLE', 'the database is unavailable; retry with backoff', { cause: error });
  }
  return error;
}

/** Who ended a cancelled call. */
export function cancelledBy(state: ServerState, callerDeadline: number): 'shutdown' | 'deadline' | 'client' {
  if (state.shuttingDown) return 'shutdown';
  return Date.now() >= callerDeadline ? 'deadline' : 'client';
}

/** What every call's edge starts from, unary or streaming. */
export interface OpenedCall {
  readonly requestId: string;
  /**
   * Who is calling, as the auth interceptor authenticated them: a key's name
   * or a certificate's identity (never the key); `anonymous` when no
   * authentication is configured.
   */
  readonly caller: string;
  /** The call's logger, with its request id, method and caller. */
  readonly logger: Logger;
  /** The caller's deadline, epoch milliseconds (Infinity when none). */
  readonly callerDeadline: number;
  /** Milliseconds since the call started, rounded, for its log line. */
  readonly elapsedMs: () => number;
}

/** Starts a call: its request id (echoed in the response headers), caller, logger and deadline. */
export function openCall(
  method: string,
  edge: CallEdge,
  call: { readonly metadata: Metadata; sendMetadata(metadata: Metadata): void; getDeadline(): Date | number },
): OpenedCall {
  const started = performance.now();
  const requestId = requestIdOf(call.metadata);
  const header = new Metadata();
  header.set(REQUEST_ID_HEADER, requestId);
  call.sendMetadata(header);
  const caller = callerFromMetadata(call.metadata)?.name ?? ANONYMOUS;
  return {
    requestId,
    caller,
    logger: edge.logger.child({ requestId, method, caller }),
    callerDeadline: Number(call.getDeadline()),
    elapsedMs: () => Math.round(performance.now() - started),
  };
}

/** Options of a unary method's edge. */
export interface UnaryOptions<Req> {
  /**
   * For a destructive method: the fields of its audit line (at least
   * `targets`, the ids it acts on). The line is written once the call ends,
   * whatever the outcome, with the call's caller, method, request id and code.
   */
  readonly audit?: (request: Req) => { readonly targets: readonly string[] } & Record<string, unknown>;
}

/**
 * Turns `handler` into a grpc-js unary handler for `method`.
 *
 * - The response metadata carries the request id.
 * - The call's deadline is the caller's, or `defaultDeadlineMs` from now when
 *   the caller set none; MongoDB operations get the time left, and should
 *   the work still be running when it passes (a database that stopped
 *   answering), the call is answered anyway and the work left behind.
 * - One log line per call: method, status code, duration and request id,
 *   never the request's content; a cancelled call says who cancelled it.
 * - Internal causes are logged and replaced on the wire by a generic message.
 * - With `options.audit`, an audit line as well (see {@link UnaryOptions}).
 */
export function unary<Req, Res>(
  method: string,
  edge: CallEdge,
  handler: (request: Req, context: CallContext) => Promise<Res>,
  options: UnaryOptions<Req> = {},
): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback) => {
    const { requestId, logger: callLogger, callerDeadline, elapsedMs } = openCall(method, edge, call);
    const rejected = rejectionOf(call.request);
    const audit = options.audit === undefined ? undefined : rejected === undefined ? options.audit(call.request) : { targets: [] };
    /** The audit line, when the method has one: after the call line, with the same code. */
    const audited = (code: string): void => {
      if (audit !== undefined) callLogger.info({ audit: true, ...audit, code }, 'audit');
    };
    const deadline = Math.min(callerDeadline, Date.now() + edge.defaultDeadlineMs);
    let done = false;
    // Answers even if the work never settles (a database that stopped answering).
    const timer = setTimeout(() => {
      const fromCaller = deadline === callerDeadline;
      const message = fromCaller
        ? 'the call ran out of time before the database answered'
        : `the call ran out of the server's ${edge.defaultDeadlineMs} ms for calls without a deadline before the database answered`;
      end(byCause(new AppError('DEADLINE_EXCEEDED', message), edge.state));
    }, Math.max(0, deadline - Date.now()));

    /** Marks the call ended, once: the start of its log line, or undefined when it had already ended. */
    const settle = (code: string): { code: string; durationMs: number } | undefined => {
      if (done) return undefined;
      done = true;
      clearTimeout(timer);
      return { code, durationMs: elapsedMs() };
    };

    /** Ends the call once: logs it and answers, unless it was cancelled. */
    const end = (error: AppError | undefined, response?: Res): void => {
      const line = settle(status[error?.code ?? status.OK]);
      if (line === undefined) {
        if (error !== undefined) callLogger.debug({ reason: error.reason, err: error.cause ?? error }, 'work left behind by an ended call failed');
        return;
      }
      if (error === undefined) callLogger.info(line, 'call');
      else if (error.code === status.INTERNAL || error.code === status.UNKNOWN)
        callLogger.error({ ...line, reason: error.reason, err: error.cause ?? error }, 'call');
      else callLogger.warn({ ...line, reason: error.reason }, 'call');
      audited(line.code);
      if (error === undefined) callback(null, response);
      else callback(toServiceError(error));
    };

    call.on('cancelled', () => {
      const line = settle('CANCELLED');
      if (line === undefined) return;
      callLogger.warn({ ...line, cancelledBy: cancelledBy(edge.state, callerDeadline) }, 'call');
      audited(line.code);
    });

    if (rejected !== undefined) {
      end(rejected);
      return;
    }
    withDeadline(deadline, () => handler(call.request, { requestId, logger: callLogger })).then(
      (response) => end(undefined, response),
      (thrown: unknown) => end(byCause(AppError.from(thrown), edge.state)),
    );
  };
}
