/**
 * Which stream failures the import survives by opening a new stream: the
 * ones that say "not now" rather than "never", since every record before the
 * last acknowledgement is stored and sending the rest again is safe.
 */
import { status, type ServiceError } from '@grpc/grpc-js';
import { decodeStatusDetails } from '../../errors/grpc-status.ts';

/** The service's ErrorInfo reason, when the status carries one. */
export function errorReason(error: ServiceError): string | undefined {
  if (error.metadata === undefined) return undefined;
  try {
    return decodeStatusDetails(error.metadata)?.errorInfo?.reason;
  } catch {
    return undefined;
  }
}

/**
 * UNAVAILABLE (connection lost or refused, database unreachable, shutting
 * down), ABORTED (write conflicts that outlasted the server's retries),
 * DEADLINE_EXCEEDED (a long stream reaching the server's call deadline),
 * CANCELLED (this command never cancels, so it is the server or the network),
 * a stream reset, and a stream longer than the server takes. Not: bad
 * requests, missing methods, permissions, or other internal errors.
 */
export function isRetryable(error: ServiceError): boolean {
  switch (error.code) {
    case status.UNAVAILABLE:
    case status.ABORTED:
    case status.DEADLINE_EXCEEDED:
    case status.CANCELLED:
      return true;
    case status.INTERNAL:
      return /RST_STREAM/.test(error.details ?? '');
    case status.RESOURCE_EXHAUSTED:
      return errorReason(error) === 'STREAM_TOO_LONG';
    default:
      return false;
  }
}
