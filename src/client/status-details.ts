/**
 * Reading this service's error details on the client side: the
 * google.rpc.Status that every failed call carries in its
 * `grpc-status-details-bin` trailer, with ErrorInfo (a stable reason),
 * BadRequest (one violation per bad field), PreconditionFailure and
 * RetryInfo decoded.
 *
 * Part of the TypeScript client package (clients/typescript), so it depends
 * on generated code and grpc-js only, never on the server's modules.
 */
import type { Metadata } from '@grpc/grpc-js';
import type { Any } from '../gen/google/protobuf/any.js';
import { BadRequest, ErrorInfo, PreconditionFailure, RetryInfo } from '../gen/google/rpc/error_details.js';
import { Status } from '../gen/google/rpc/status.js';

/** ErrorInfo.domain of every error this service sends. */
export const ERROR_DOMAIN = 'herald.users.v1';

/** The trailer that carries the encoded google.rpc.Status. */
export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';

/** Type URLs of the details this service sends. */
export const TYPE_URLS = {
  errorInfo: 'type.googleapis.com/google.rpc.ErrorInfo',
  badRequest: 'type.googleapis.com/google.rpc.BadRequest',
  preconditionFailure: 'type.googleapis.com/google.rpc.PreconditionFailure',
  retryInfo: 'type.googleapis.com/google.rpc.RetryInfo',
} as const;

/** The typed details of a google.rpc.Status, as a client reads them. */
export interface StatusDetails {
  readonly code: number;
  readonly message: string;
  readonly errorInfo?: ErrorInfo;
  readonly badRequest?: BadRequest;
  readonly preconditionFailure?: PreconditionFailure;
  /** When to retry (RESOURCE_EXHAUSTED / RATE_LIMITED). */
  readonly retryInfo?: RetryInfo;
  /** Details of types this decoder does not know, left packed. */
  readonly other: readonly Any[];
}

/**
 * Reads `grpc-status-details-bin` from a call's trailers (a client's
 * `ServiceError.metadata`). Undefined when the trailer is absent; throws
 * when it is present but not a google.rpc.Status.
 */
export function decodeStatusDetails(metadata: Metadata): StatusDetails | undefined {
  const raw = metadata.get(STATUS_DETAILS_KEY)[0];
  if (raw === undefined) return undefined;
  const status = Status.decode(typeof raw === 'string' ? Buffer.from(raw, 'base64') : raw);
  let errorInfo: ErrorInfo | undefined;
  let badRequest: BadRequest | undefined;
  let preconditionFailure: PreconditionFailure | undefined;
  let retryInfo: RetryInfo | undefined;
  const other: Any[] = [];
  for (const detail of status.details) {
    switch (detail.typeUrl) {
      case TYPE_URLS.errorInfo:
        errorInfo = ErrorInfo.decode(detail.value);
        break;
      case TYPE_URLS.badRequest:
        badRequest = BadRequest.decode(detail.value);
        break;
      case TYPE_URLS.preconditionFailure:
        preconditionFailure = PreconditionFailure.decode(detail.value);
        break;
      case TYPE_URLS.retryInfo:
        retryInfo = RetryInfo.decode(detail.value);
        break;
      default:
        other.push(detail);
    }
  }
  return {
    code: status.code,
    message: status.message,
    ...(errorInfo === undefined ? {} : { errorInfo }),
    ...(badRequest === undefined ? {} : { badRequest }),
    ...(preconditionFailure === undefined ? {} : { preconditionFailure }),
    ...(retryInfo === undefined ? {} : { retryInfo }),
    other,
  };
}
