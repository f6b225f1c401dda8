import { status } from '@grpc/grpc-js';
import { fromMongoError, isMongoError } from './mongo-errors.ts';
import { type NotFoundReason, type Reason, REASONS } from './reasons.ts';
import type { ViolationReason } from './violation-reasons.ts';

/** One problem with one request field (google.rpc.BadRequest.FieldViolation). */
export interface FieldViolation {
  /** Path in the request, proto snake_case: `channel_data[2].channel_id`. */
  readonly field: string;
  readonly reason: ViolationReason;
  /** For the developer: the rule and what was wrong with the value. */
  readonly description: string;
}

/** One failed precondition (google.rpc.PreconditionFailure.Violation). */
export interface PreconditionViolation {
  /** The kind of precondition, e.g. "VERSION". */
  readonly type: string;
  /** What it was about, e.g. "users/u1". */
  readonly subject: string;
  readonly description: string;
}

export interface AppErrorOptions {
  readonly violations?: readonly FieldViolation[];
  /** Facts about this occurrence, sent in ErrorInfo.metadata. */
  readonly metadata?: Readonly<Record<string, string>>;
  readonly precondition?: readonly PreconditionViolation[];
  /** How long the client should wait before retrying, sent as a google.rpc.RetryInfo detail. */
  readonly retryDelayMs?: number;
  /** The underlying error: logged, never sent to the client. */
  readonly cause?: unknown;
}

/** How many violations a message names before it says "and N more". */
const MESSAGE_VIOLATIONS = 3;

/**
 * The one error type of the service. Everything thrown is normalised to it
 * with {@link AppError.from} and mapped to a gRPC status once, at the edge.
 * `message` is safe to send to clients; `cause` is for the log only.
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  /** The gRPC status code, always the catalogue's code for `reason`. */
  readonly code: status;
  readonly reason: Reason;
  /** Empty unless the code is INVALID_ARGUMENT. */
  readonly violations: readonly FieldViolation[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly precondition: readonly PreconditionViolation[];
  /** Milliseconds to wait before retrying (a RetryInfo detail); undefined when the error says nothing about it. */
  readonly retryDelayMs: number | undefined;

  constructor(reason: Reason, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.code = REASONS[reason].code;
    this.violations = options.violations ?? [];
    this.metadata = options.metadata ?? {};
    this.precondition = options.precondition ?? [];
    this.retryDelayMs = options.retryDelayMs;
  }

  /**
   * INVALID_ARGUMENT listing every problem. `omitted` counts problems found
   * but not listed (validation stops collecting after a bound).
   */
  static invalid(violations: readonly FieldViolation[], omitted = 0): AppError {
    const total = violations.length + omitted;
    const named = violations.slice(0, MESSAGE_VIOLATIONS).map((v) => `${v.field}: ${v.description}`);
    const rest = total - named.length;
    const head = total === 1 ? '' : `${total} problems in the request: `;
    const message = `${head}${named.join('; ')}${rest > 0 ? `; and ${rest} more` : ''}`;
    return new AppError('INVALID_ARGUMENT', message, {
      violations,
      ...(omitted > 0 ? { metadata: { omitted_violations: String(omitted) } } : {}),
    });
  }

  /** NOT_FOUND for a missing user, channel data or preference set. */
  static notFound(reason: NotFoundReason, metadata: Readonly<Record<string, string>>): AppError {
    const facts = Object.entries(metadata)
      .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
      .join(', ');
    const base = REASONS[reason].description.replace(/\.$/, '');
    return new AppError(reason, facts === '' ? base : `${base} (${facts})`, { metadata });
  }

  /**
   * ABORTED: a conditional write found another version. `subject` names the
   * thing, e.g. "users/u1"; `actual` is undefined when nothing is stored.
   */
  static versionMismatch(subject: string, expected: string, actual?: string): AppError {
    const found = actual === undefined ? 'nothing is stored' : `the stored version is ${JSON.stringify(actual)}`;
    const description = `expected version ${JSON.stringify(expected)} but ${found}`;
    return new AppError('VERSION_MISMATCH', `${subject}: ${description}`, {
      metadata: {
        subject,
        expected_version: expected,
        ...(actual === undefined ? {} : { actual_version: actual }),
      },
      precondition: [{ type: 'VERSION', subject, description }],
    });
  }

  /** INTERNAL with a generic message; `cause` goes to the log only. */
  static internal(cause: unknown): AppError {
    return new AppError('INTERNAL', 'internal error', { cause });
  }

  /**
   * Normalises anything thrown: an AppError passes through, a MongoDB
   * driver error goes through {@link fromMongoError}, anything else becomes
   * INTERNAL with the original kept as `cause`.
   */
  static from(err: unknown): AppError {
    if (err instanceof AppError) return err;
    if (isMongoError(err)) return fromMongoError(err);
    return AppError.internal(err);
  }
}
