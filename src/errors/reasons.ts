import { status } from '@grpc/grpc-js';

/**
 * Every reason this service puts in `google.rpc.ErrorInfo.reason`, with the
 * gRPC code it always travels with. Clients switch on the reason, so a reason
 * never changes meaning once released; add new ones instead.
 *
 * Each code follows the gRPC status code guide: ABORTED for a failed
 * test-and-set or a lost race (retry the whole read-modify-write),
 * UNAVAILABLE for conditions a plain retry with backoff may clear.
 */
export const REASONS = {
  INVALID_ARGUMENT: {
    code: status.INVALID_ARGUMENT,
    description:
      'One or more request fields break the rules in the API documentation; a BadRequest detail lists each problem.',
  },
  USER_NOT_FOUND: {
    code: status.NOT_FOUND,
    description: 'No user with the given user_id exists.',
  },
  CHANNEL_DATA_NOT_FOUND: {
    code: status.NOT_FOUND,
    description: 'The user has no data stored for the given channel_id.',
  },
  PREFERENCE_SET_NOT_FOUND: {
    code: status.NOT_FOUND,
    description: 'The user has no preference set with the given id.',
  },
  MESSAGE_NOT_FOUND: {
    code: status.NOT_FOUND,
    description: 'No message with the given message_id exists.',
  },
  VERSION_MISMATCH: {
    code: status.ABORTED,
    description:
      'expected_version does not equal the stored version (or nothing is stored); read again and retry with the new version.',
  },
  WRITE_CONFLICT: {
    code: status.ABORTED,
    description:
      'A concurrent write to the same data won and the database retries ran out; retrying the call is safe.',
  },
  DATABASE_UNAVAILABLE: {
    code: status.UNAVAILABLE,
    description: 'The database could not be reached or has no primary right now; retry with backoff.',
  },
  DEADLINE_EXCEEDED: {
    code: status.DEADLINE_EXCEEDED,
    description: 'The operation ran out of time before it finished; it may or may not have taken effect.',
  },
  SHUTTING_DOWN: {
    code: status.UNAVAILABLE,
    description: 'The server is shutting down and takes no new work; retry on another instance.',
  },
  MERGED_PROPERTIES_TOO_LARGE: {
    code: status.FAILED_PRECONDITION,
    description:
      'MergeUsers would make the primary larger than 1 MiB as the API returns it; nothing was merged. Remove properties from either user first.',
  },
  STREAM_TOO_LONG: {
    code: status.RESOURCE_EXHAUSTED,
    description:
      'A bulk stream carried more records than the server takes in one stream (BULK_MAX_USERS_PER_STREAM); what was acknowledged before stays, and a new stream may continue from there.',
  },
  CREDENTIALS_MISSING: {
    code: status.UNAUTHENTICATED,
    description:
      'The method needs a caller and the call brought no credentials: send `authorization: Bearer <key>` metadata, or a client certificate over mutual TLS.',
  },
  INVALID_CREDENTIALS: {
    code: status.UNAUTHENTICATED,
    description:
      'The call brought credentials the server does not accept: an unknown or revoked API key, a malformed authorization header, or a client certificate whose identity is not in the callers file.',
  },
  ROLE_NOT_ALLOWED: {
    code: status.PERMISSION_DENIED,
    description:
      "The caller's role does not allow the method (or the method is not open to anyone); ErrorInfo.metadata names the method, the role and the role required.",
  },
  RATE_LIMITED: {
    code: status.RESOURCE_EXHAUSTED,
    description:
      "The caller has used up its rate limit for this class of method; a RetryInfo detail says how long to wait before retrying.",
  },
  INTERNAL: {
    code: status.INTERNAL,
    description: 'An unexpected error on the server; it has been logged.',
  },
} as const;

/** A key of {@link REASONS}. */
export type Reason = keyof typeof REASONS;

/** The reasons that go with NOT_FOUND, for `AppError.notFound`. */
export type NotFoundReason = {
  [K in Reason]: (typeof REASONS)[K]['code'] extends status.NOT_FOUND ? K : never;
}[Reason];

/** Narrows a string to a catalogue reason. */
export function isReason(value: string): value is Reason {
  return Object.prototype.hasOwnProperty.call(REASONS, value);
}
