/**
 * The edge of every streaming call, as unary.ts is of unary ones: request
 * id, the caller's deadline, one log line, cancellation, and errors turned
 * into gRPC statuses in one place. A stream has no server-side default
 * deadline (an upload may rightly take hours); it ends when the client
 * half-closes, cancels, or lets its own deadline pass.
 */
import { status, type handleBidiStreamingCall, type handleClientStreamingCall } from '@grpc/grpc-js';
import type { ServerDuplexStream, ServerReadableStream } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { once } from 'node:events';
import { AppError } from '../errors/app-error.ts';
import { toServiceError } from '../errors/grpc-status.ts';
import { withDeadline } from '../deadline.ts';
import { rejectionOf } from './strict-requests.ts';
import { byCause, cancelledBy, openCall, type CallEdge } from './unary.ts';

/** What a stream handler gets besides its messages. */
export interface StreamContext {
  readonly requestId: string;
  readonly logger: Logger;
  /** True once the caller has gone (cancel, deadline, forced shutdown). */
  readonly stopped: () => boolean;
  /** Adds counts (never request content) to the call's log line. */
  readonly annotate: (fields: Record<string, number | boolean>) => void;
}

type StreamCall = ServerReadableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>;

/**
 * The call's messages as an async iterable that pulls one at a time (so the
 * transport stops reading while the handler is busy) and fails with
 * INVALID_ARGUMENT at a message the strict check refused, naming its index.
 */
async function* decoded<Req>(call: StreamCall): AsyncGenerator<Req> {
  let index = 0;
  // Leaving the loop early (an error, a cancel) must not destroy the call:
  // a destroyed duplex stream never sends the status that says why.
  for await (const message of call.iterator({ destroyOnReturn: false })) {
    const rejected = rejectionOf(message);
    if (rejected !== undefined) {
      throw new AppError('INVALID_ARGUMENT', `message ${index} of the stream: ${rejected.message}`, {
        violations: rejected.violations,
        metadata: { ...rejected.metadata, message_index: String(index) },
      });
    }
    index += 1;
    yield message as Req;
  }
}

/** The shared part: request id, log line, cancellation; `run` does the call's own work. */
function edgeOf(method: string, edge: CallEdge, call: StreamCall) {
  const { requestId, logger, callerDeadline, elapsedMs } = openCall(method, edge, call);
  const fields: Record<string, number | boolean> = {};
  let stopped = false;
  let done = false;
  const line = (code: string) => ({ code, durationMs: elapsedMs(), ...fields });

  call.on('cancelled', () => {
    stopped = true;
    if (done) return;
    done = true;
    logger.warn({ ...line('CANCELLED'), cancelledBy: cancelledBy(edge.state, callerDeadline) }, 'call');
  });

  const context: StreamContext = {
    requestId,
    logger,
    stopped: () => stopped,
    annotate: (more) => Object.assign(fields, more),
  };
  /** Logs the end of the call once; false when it had already ended (cancelled). */
  const finish = (error?: AppError): boolean => {
    if (done) return false;
    done = true;
    if (error === undefined) logger.info(line('OK'), 'call');
    else if (error.code === status.INTERNAL) logger.error({ ...line(status[error.code]), reason: error.reason, err: error.cause ?? error }, 'call');
    else logger.warn({ ...line(status[error.code]), reason: error.reason }, 'call');
    return true;
  };
  const run = <T>(work: () => Promise<T>): Promise<T> => withDeadline(callerDeadline, work);
  return { context, finish, run };
}

/** A client-streaming handler: many requests in, one response out. */
export function clientStream<Req, Res>(
  method: string,
  edge: CallEdge,
  handler: (messages: AsyncIterable<Req>, context: StreamContext) => Promise<Res>,
): handleClientStreamingCall<Req, Res> {
  return (call, callback) => {
    const { context, finish, run } = edgeOf(method, edge, call as StreamCall);
    run(() => handler(decoded<Req>(call as StreamCall), context)).then(
      (response) => {
        if (finish()) callback(null, response);
      },
      (thrown: unknown) => {
        const error = byCause(AppError.from(thrown), edge.state);
        if (finish(error)) callback(toServiceError(error));
      },
    );
  };
}

/** A bidirectional handler: `send` writes one response, waiting while the client is slow to read. */
export function bidiStream<Req, Res>(
  method: string,
  edge: CallEdge,
  handler: (messages: AsyncIterable<Req>, send: (response: Res) => Promise<void>, context: StreamContext) => Promise<void>,
): handleBidiStreamingCall<Req, Res> {
  return (call) => {
    const { context, finish, run } = edgeOf(method, edge, call as StreamCall);
    const send = async (response: Res): Promise<void> => {
      if (context.stopped()) return;
      if (!call.write(response)) await Promise.race([once(call, 'drain'), once(call, 'cancelled')]);
    };
    run(() => handler(decoded<Req>(call as StreamCall), send, context)).then(
      () => {
        if (finish()) call.end();
      },
      (thrown: unknown) => {
        const error = byCause(AppError.from(thrown), edge.state);
        // A duplex stream's 'error' becomes the call's status in grpc-js.
        if (finish(error)) call.emit('error', toServiceError(error));
      },
    );
  };
}
