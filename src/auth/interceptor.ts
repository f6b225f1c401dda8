/**
 * The one place where calls are authenticated and authorized, before any
 * handler runs: a server interceptor that decides on the call's metadata
 * (and verified client certificate) alone. A call it refuses ends there,
 * before a single request message is read, unary and streaming alike: the
 * handler starts reading only once it has the metadata, which a refused
 * call never passes on.
 */
import { Metadata, ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { toServiceError } from '../errors/grpc-status.ts';
import { REQUEST_ID_HEADER, requestIdOf } from '../transport/unary.ts';
import type { PeerCertificate } from 'node:tls';
import { decideAccess, type AccessDecision, type AccessPolicy } from './access.ts';
import { CALLER_METADATA_KEY } from './caller.ts';
import { ANONYMOUS, callerHeaderValue } from './caller-header.ts';
import { AUDITED_METHODS } from './roles.ts';

/**
 * Removes any client-sent caller header, decides access with
 * {@link decideAccess}, and either passes the metadata on with the
 * authenticated caller under CALLER_METADATA_KEY, or ends the call with the
 * decision's status (ErrorInfo, and RetryInfo when rate limited) and one log
 * line. A refused destructive call also writes an audit line (without
 * targets: its request is never read).
 *
 * `policy` is read at every call, so a reloaded callers file applies to the
 * next call.
 */
export function authInterceptor(policy: AccessPolicy, logger: Logger): ServerInterceptor {
  return (method, call) => {
    const shortName = method.path.slice(method.path.lastIndexOf('/') + 1);
    const certificate = (): PeerCertificate | undefined => call.getAuthContext().sslPeerCertificate;
    let admitted: Metadata | undefined;
    let ended = false;

    /** Ends the call with the decision's status, one call line, and an audit line for a destructive method. */
    const refuse = (decision: Extract<AccessDecision, { allowed: false }>, requestId: string, started: number, sendHeader: boolean): void => {
      ended = true;
      const { error, caller } = decision;
      const name = caller?.name ?? ANONYMOUS;
      const code = status[error.code];
      logger.warn(
        { requestId, method: shortName, caller: name, code, reason: error.reason, durationMs: Math.round(performance.now() - started) },
        'call',
      );
      if (AUDITED_METHODS.has(method.path)) {
        logger.warn({ audit: true, requestId, caller: name, method: shortName, code, reason: error.reason }, 'audit');
      }
      if (sendHeader) {
        const header = new Metadata();
        header.set(REQUEST_ID_HEADER, requestId);
        intercepting.sendMetadata(header);
      }
      const refusal = toServiceError(error);
      intercepting.sendStatus({ code: refusal.code, details: refusal.details, metadata: refusal.metadata });
    };

    const intercepting: ServerInterceptingCall = new ServerInterceptingCall(call, {
      start: (next) => {
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            metadata.remove(CALLER_METADATA_KEY);
            const started = performance.now();
            const decision = decideAccess(method.path, metadata, certificate(), policy);
            if (!decision.allowed) {
              refuse(decision, requestIdOf(metadata), started, true);
              return;
            }
            if (decision.caller !== undefined) metadata.set(CALLER_METADATA_KEY, callerHeaderValue(decision.caller));
            admitted = metadata;
            nextMetadata(metadata);
          },
          // A stream may outlive its caller's key: each message is checked
          // against the callers file in force, so a revoked key or a lowered
          // role stops an open stream at its next message, not only new calls.
          onReceiveMessage: (message, nextMessage) => {
            if (ended) return;
            if (method.requestStream && admitted !== undefined) {
              const decision = decideAccess(method.path, admitted, certificate(), policy, { rateLimit: false });
              if (!decision.allowed) {
                refuse(decision, requestIdOf(admitted), performance.now(), false);
                return;
              }
            }
            nextMessage(message);
          },
        });
      },
    });
    return intercepting;
  };
}
