import '../protobuf/own-proto-keys.ts';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import {
  decodeStatusDetails,
  ERROR_DOMAIN,
  STATUS_DETAILS_KEY,
  type StatusDetails,
  TYPE_URLS,
} from '../client/status-details.ts';
import { Any } from '../gen/google/protobuf/any.js';
import {
  BadRequest,
  type BadRequest_FieldViolation,
  ErrorInfo,
  PreconditionFailure,
  RetryInfo,
} from '../gen/google/rpc/error_details.js';
import { Status } from '../gen/google/rpc/status.js';
import type { AppError } from './app-error.ts';

export { decodeStatusDetails, ERROR_DOMAIN, STATUS_DETAILS_KEY, type StatusDetails, TYPE_URLS };

/**
 * Upper bound for the encoded Status. Trailers share the client's header
 * list limit (grpc-js and grpc-go default to 16 KiB, and the value travels
 * base64-encoded, a third larger), so a request with hundreds of bad fields
 * must not produce a trailer the client refuses. Violations beyond the
 * budget are dropped from the end and counted in ErrorInfo.metadata.
 */
export const MAX_STATUS_DETAILS_BYTES = 8 * 1024;

/** The grpc-message is capped too: it travels as a header of its own. */
const MAX_MESSAGE_CHARS = 1024;

function truncate(message: string): string {
  return message.length <= MAX_MESSAGE_CHARS ? message : `${message.slice(0, MAX_MESSAGE_CHARS - 1)}…`;
}

function pack(typeUrl: string, bytes: Uint8Array): Any {
  return { typeUrl, value: Buffer.from(bytes) };
}

function buildStatus(err: AppError, message: string, violations: readonly BadRequest_FieldViolation[], dropped: number): Status {
  const metadata: Record<string, string> = { ...err.metadata };
  if (dropped > 0) {
    const before = Number(metadata['omitted_violations'] ?? '0');
    metadata['omitted_violations'] = String(before + dropped);
  }
  const details: Any[] = [
    pack(TYPE_URLS.errorInfo, ErrorInfo.encode({ reason: err.reason, domain: ERROR_DOMAIN, metadata }).finish()),
  ];
  if (violations.length > 0) {
    details.push(pack(TYPE_URLS.badRequest, BadRequest.encode({ fieldViolations: [...violations] }).finish()));
  }
  if (err.precondition.length > 0) {
    details.push(
      pack(
        TYPE_URLS.preconditionFailure,
        PreconditionFailure.encode({ violations: err.precondition.map((v) => ({ ...v })) }).finish(),
      ),
    );
  }
  if (err.retryDelayMs !== undefined) {
    const ms = Math.max(0, Math.ceil(err.retryDelayMs));
    const retryDelay = { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
    details.push(pack(TYPE_URLS.retryInfo, RetryInfo.encode({ retryDelay }).finish()));
  }
  return { code: err.code, message, details };
}

/**
 * The google.rpc.Status for an AppError: ErrorInfo (reason, domain,
 * metadata) always, BadRequest when there are field violations,
 * PreconditionFailure when a precondition failed, RetryInfo when the
 * error says when to retry. Fits in
 * {@link MAX_STATUS_DETAILS_BYTES}.
 */
export function toStatus(err: AppError): Status {
  const message = truncate(err.message);
  const violations = err.violations.map((v) => ({ field: v.field, description: v.description, reason: v.reason }));
  let kept = violations.length;
  let status = buildStatus(err, message, violations, 0);
  while (kept > 0 && Status.encode(status).finish().length > MAX_STATUS_DETAILS_BYTES) {
    kept = Math.max(0, Math.min(kept - 1, Math.floor(kept * 0.75)));
    status = buildStatus(err, message, violations.slice(0, kept), violations.length - kept);
  }
  return status;
}

/**
 * The error to hand to grpc-js (a unary callback, or a stream's `destroy`):
 * code and message as the call's status, and the encoded google.rpc.Status
 * in the `grpc-status-details-bin` trailer. Nothing of `cause` is included.
 */
export function toServiceError(err: AppError): ServiceError {
  const status = toStatus(err);
  const metadata = new Metadata();
  metadata.set(STATUS_DETAILS_KEY, Buffer.from(Status.encode(status).finish()));
  return Object.assign(new Error(status.message), {
    code: err.code,
    details: status.message,
    metadata,
  });
}
