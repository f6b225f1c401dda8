import { Metadata, status } from '@grpc/grpc-js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError, type FieldViolation } from '../../../src/errors/app-error.ts';
import {
  decodeStatusDetails,
  ERROR_DOMAIN,
  MAX_STATUS_DETAILS_BYTES,
  STATUS_DETAILS_KEY,
  toServiceError,
} from '../../../src/errors/grpc-status.ts';
import { VIOLATION_REASONS, type ViolationReason } from '../../../src/errors/violation-reasons.ts';
import { Status } from '../../../src/gen/google/rpc/status.js';

function roundTrip(err: AppError) {
  const serviceError = toServiceError(err);
  // What the client sees: the trailers, serialised and read back.
  const wire = new Metadata();
  for (const [key, values] of Object.entries(serviceError.metadata.toJSON())) {
    for (const value of values) wire.add(key, value);
  }
  return { serviceError, details: decodeStatusDetails(wire) };
}

describe('toServiceError', () => {
  it('sets code and details from the AppError and packs ErrorInfo and BadRequest', () => {
    const err = AppError.invalid([
      { field: 'email', reason: 'INVALID_EMAIL', description: '"ada@" is not an email address: the domain is missing' },
      { field: 'channel_data[2].channel_id', reason: 'DUPLICATE', description: '"x" appears earlier' },
    ]);
    const { serviceError, details } = roundTrip(err);
    expect(serviceError.code).toBe(status.INVALID_ARGUMENT);
    expect(serviceError.details).toBe(err.message);
    expect(details?.code).toBe(status.INVALID_ARGUMENT);
    expect(details?.message).toBe(err.message);
    expect(details?.errorInfo).toEqual({ reason: 'INVALID_ARGUMENT', domain: ERROR_DOMAIN, metadata: {} });
    expect(details?.badRequest?.fieldViolations).toEqual(err.violations);
    expect(details?.preconditionFailure).toBeUndefined();
    expect(details?.other).toEqual([]);
  });

  it('packs PreconditionFailure and ErrorInfo metadata for a version mismatch', () => {
    const { serviceError, details } = roundTrip(AppError.versionMismatch('users/u1', 'a', 'b'));
    expect(serviceError.code).toBe(status.ABORTED);
    expect(details?.errorInfo?.reason).toBe('VERSION_MISMATCH');
    expect(details?.errorInfo?.metadata).toEqual({ subject: 'users/u1', expected_version: 'a', actual_version: 'b' });
    expect(details?.preconditionFailure?.violations).toEqual([
      { type: 'VERSION', subject: 'users/u1', description: 'expected version "a" but the stored version is "b"' },
    ]);
    expect(details?.badRequest).toBeUndefined();
  });

  it('sends nothing of the cause', () => {
    const err = AppError.from(new Error('password=hunter2'));
    const { serviceError } = roundTrip(err);
    const bytes = serviceError.metadata.get(STATUS_DETAILS_KEY)[0] as Buffer;
    expect(bytes.toString('latin1')).not.toContain('hunter2');
    expect(serviceError.details).toBe('internal error');
  });

  it('keeps the encoded status within budget by dropping violations from the end, and counts them', () => {
    const violations: FieldViolation[] = Array.from({ length: 500 }, (_, i) => ({
      field: `properties.key_${i}_${'x'.repeat(60)}`,
      reason: 'INVALID_KEY',
      description: 'key is bad in a way that takes a long sentence to explain '.repeat(2),
    }));
    const { serviceError, details } = roundTrip(AppError.invalid(violations));
    const encoded = serviceError.metadata.get(STATUS_DETAILS_KEY)[0] as Buffer;
    expect(encoded.length).toBeLessThanOrEqual(MAX_STATUS_DETAILS_BYTES);
    const kept = details?.badRequest?.fieldViolations ?? [];
    expect(kept.length).toBeGreaterThan(10);
    expect(kept.length).toBeLessThan(500);
    expect(kept).toEqual(violations.slice(0, kept.length));
    expect(details?.errorInfo?.metadata['omitted_violations']).toBe(String(500 - kept.length));
  });
});

describe('decodeStatusDetails', () => {
  it('returns undefined when the trailer is absent', () => {
    expect(decodeStatusDetails(new Metadata())).toBeUndefined();
  });

  it('leaves detail types it does not know packed in `other`', () => {
    const md = new Metadata();
    const unknown = { typeUrl: 'type.googleapis.com/google.rpc.DebugInfo', value: Buffer.from([10, 1, 120]) };
    md.set(STATUS_DETAILS_KEY, Buffer.from(Status.encode({ code: 14, message: 'm', details: [unknown] }).finish()));
    expect(decodeStatusDetails(md)).toEqual({ code: 14, message: 'm', other: [unknown] });
  });

  it('decodes RetryInfo (sent with RATE_LIMITED) and round-trips its delay', () => {
    const error = new AppError('RATE_LIMITED', 'slow down', { retryDelayMs: 1_250 });
    const details = decodeStatusDetails(toServiceError(error).metadata);
    expect(details?.retryInfo?.retryDelay).toEqual({ seconds: 1, nanos: 250_000_000 });
    expect(details?.errorInfo?.reason).toBe('RATE_LIMITED');
    expect(details?.other).toEqual([]);
  });

  it('throws on a trailer that is not a google.rpc.Status', () => {
    const md = new Metadata();
    md.set(STATUS_DETAILS_KEY, Buffer.from([0xff, 0xff, 0xff]));
    expect(() => decodeStatusDetails(md)).toThrow();
  });
});

describe('round trip (property)', () => {
  const reason = fc.constantFrom(...(Object.keys(VIOLATION_REASONS) as ViolationReason[]));
  const violation = fc.record({ field: fc.string({ maxLength: 40 }), reason, description: fc.string({ maxLength: 80 }) });

  it('any set of field violations survives encode → decode', () => {
    fc.assert(
      fc.property(fc.array(violation, { minLength: 1, maxLength: 20 }), (violations) => {
        const err = AppError.invalid(violations);
        const { details } = roundTrip(err);
        expect(details?.badRequest?.fieldViolations).toEqual(violations);
        expect(details?.errorInfo?.reason).toBe('INVALID_ARGUMENT');
      }),
    );
  });

  it('any not-found metadata survives encode → decode', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.string({ maxLength: 40 })), (metadata) => {
        const { details } = roundTrip(AppError.notFound('USER_NOT_FOUND', metadata));
        expect(details?.errorInfo?.metadata).toEqual({ ...metadata });
        expect(details?.code).toBe(status.NOT_FOUND);
      }),
    );
  });

  it('keeps a "__proto__" metadata key, which the property above meets only by chance', () => {
    const metadata = JSON.parse('{"__proto__": "x", "user_id": "u1"}') as Record<string, string>;
    const { details } = roundTrip(AppError.notFound('USER_NOT_FOUND', metadata));
    expect(Object.keys(details?.errorInfo?.metadata ?? {}).sort()).toEqual(['__proto__', 'user_id']);
    expect(details?.errorInfo?.metadata['__proto__']).toBe('x');
  });
});
