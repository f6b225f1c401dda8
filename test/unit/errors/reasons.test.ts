import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { isReason, REASONS } from '../../../src/errors/reasons.ts';
import { VIOLATION_REASONS } from '../../../src/errors/violation-reasons.ts';

const UPPER_SNAKE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;
const GRPC_CODES = new Set(Object.values(status).filter((c) => typeof c === 'number'));

describe('the reason catalogue', () => {
  const reasons = Object.entries(REASONS);

  it.each(reasons)('%s is UPPER_SNAKE, documented and has a real non-OK gRPC code', (reason, entry) => {
    expect(reason).toMatch(UPPER_SNAKE);
    expect(entry.description.trim().length).toBeGreaterThan(10);
    expect(GRPC_CODES.has(entry.code)).toBe(true);
    expect(entry.code).not.toBe(status.OK);
  });

  it('has no two reasons with the same description (each documents its own case)', () => {
    const descriptions = reasons.map(([, e]) => e.description);
    expect(new Set(descriptions).size).toBe(descriptions.length);
  });

  it('holds the reasons the service relies on, with their codes', () => {
    expect(REASONS.INVALID_ARGUMENT.code).toBe(status.INVALID_ARGUMENT);
    expect(REASONS.USER_NOT_FOUND.code).toBe(status.NOT_FOUND);
    expect(REASONS.CHANNEL_DATA_NOT_FOUND.code).toBe(status.NOT_FOUND);
    expect(REASONS.PREFERENCE_SET_NOT_FOUND.code).toBe(status.NOT_FOUND);
    expect(REASONS.VERSION_MISMATCH.code).toBe(status.ABORTED);
    expect(REASONS.WRITE_CONFLICT.code).toBe(status.ABORTED);
    expect(REASONS.DATABASE_UNAVAILABLE.code).toBe(status.UNAVAILABLE);
    expect(REASONS.SHUTTING_DOWN.code).toBe(status.UNAVAILABLE);
    expect(REASONS.DEADLINE_EXCEEDED.code).toBe(status.DEADLINE_EXCEEDED);
    expect(REASONS.INTERNAL.code).toBe(status.INTERNAL);
  });

  it('isReason accepts catalogue keys only, not inherited names', () => {
    expect(isReason('USER_NOT_FOUND')).toBe(true);
    expect(isReason('user_not_found')).toBe(false);
    expect(isReason('toString')).toBe(false);
  });
});

describe('the field-violation reason catalogue', () => {
  const entries = Object.entries(VIOLATION_REASONS);

  it.each(entries)('%s is UPPER_SNAKE and documented', (reason, description) => {
    expect(reason).toMatch(UPPER_SNAKE);
    expect(description.trim().length).toBeGreaterThan(10);
  });

  it('shares no name with the error reasons (ErrorInfo and BadRequest reasons never get confused)', () => {
    const errorReasons = new Set(Object.keys(REASONS));
    expect(Object.keys(VIOLATION_REASONS).filter((r) => errorReasons.has(r))).toEqual([]);
  });

  it('has a distinct description per reason', () => {
    expect(new Set(entries.map(([, d]) => d)).size).toBe(entries.length);
  });
});
