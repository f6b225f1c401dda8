/**
 * A server interceptor that bounds how long a call may hold the server
 * waiting for the client's message. grpc-js calls a unary handler only once
 * the whole request has arrived, so a client that opens a stream and sends
 * half a message (or nothing) is invisible to the handler's deadline and
 * would hold its buffered bytes forever. This ends such a call with
 * DEADLINE_EXCEEDED, which resets the stream and frees what it held.
 */
import { ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import type { Logger } from 'pino';

/**
 * Ends a unary call whose request has not arrived within `timeoutMs` of the
 * call's start. Client-streaming calls are left alone: a server that reads
 * a stream with flow control stops reading on purpose, and bounds its
 * streams itself.
 */
export function receiveTimeout(timeoutMs: number, logger: Logger): ServerInterceptor {
  return (method, call) => {
    if (method.requestStream) return new ServerInterceptingCall(call);
    let timer: NodeJS.Timeout | undefined;
    const stop = (): void => clearTimeout(timer);
    const arm = (): void => {
      timer = setTimeout(() => {
        logger.warn({ method: method.path, timeoutMs, code: 'DEADLINE_EXCEEDED' }, 'request not received in time; call ended');
        intercepting.sendStatus({
          code: status.DEADLINE_EXCEEDED,
          details: `the request message did not arrive within ${timeoutMs} ms`,
        });
      }, timeoutMs);
    };
    const intercepting = new ServerInterceptingCall(call, {
      start: (next) => {
        arm();
        next({
          onReceiveMessage: (message, nextMessage) => {
            stop();
            nextMessage(message);
          },
          onReceiveHalfClose: (nextHalfClose) => {
            stop();
            nextHalfClose();
          },
          onCancel: stop,
        });
      },
      sendStatus: (sent, nextStatus) => {
        stop();
        nextStatus(sent);
      },
    });
    return intercepting;
  };
}
