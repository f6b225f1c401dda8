/**
 * The edge of every unary call: request id, one log line, and the single
 * place where errors become gRPC statuses.
 */
import { randomUUID } from 'node:crypto';
import { Metadata, status, type handleUnaryCall, type ServerUnaryCall } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { AppError } from '../errors/app-error.ts';
import { toServiceError } from '../errors/grpc-status.ts';
import { withDeadline } from '../deadline.ts';

/** The metadata key that carries the request id both ways. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** A caller's request id is reused when it is short and printable. */
const CALLER_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's request id when usable, else a fresh one. */
export function requestIdOf(metadata: Metadata): string {
  const [value] = metadata.get(REQUEST_ID_HEADER);
  return typeof value === 'string' && CALLER_REQUEST_ID.test(value) ? value : randomUUID();
}

/** What a handler gets besides the request. */
export interface CallContext {
  requestId: string;
  logger: Logger;
}

/**
 * Turns `handler` into a grpc-js unary handler for `method`. The response
 * metadata carries the request id; the log line has the method, the status
 * code, the duration and the request id, never the request's content.
 * Internal causes are logged and replaced on the wire by a generic message.
 */
export function unary<Req, Res>(
  method: string,
  logger: Logger,
  handler: (request: Req, context: CallContext) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback) => {
    const started = performance.now();
    const requestId = requestIdOf(call.metadata);
    const callLogger = logger.child({ requestId, method });
    const header = new Metadata();
    header.set(REQUEST_ID_HEADER, requestId);
    call.sendMetadata(header);

    const finish = (code: status, error?: AppError): void => {
      const line = { code: status[code], durationMs: Math.round(performance.now() - started) };
      if (error === undefined) callLogger.info(line, 'call');
      else if (error.code === status.INTERNAL || error.code === status.UNKNOWN)
        callLogger.error({ ...line, reason: error.reason, err: error.cause ?? error }, 'call');
      else callLogger.warn({ ...line, reason: error.reason }, 'call');
    };

    const deadline = Number(call.getDeadline());
    withDeadline(deadline, () => handler(call.request, { requestId, logger: callLogger })).then(
      (response) => {
        finish(status.OK);
        callback(null, response);
      },
      (thrown: unknown) => {
        const error = AppError.from(thrown);
        finish(error.code, error);
        callback(toServiceError(error));
      },
    );
  };
}
