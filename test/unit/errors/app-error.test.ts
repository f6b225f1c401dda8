import { status } from '@grpc/grpc-js';
import { MongoNetworkError, MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors/app-error.ts';

describe('AppError', () => {
  it('takes its code from the catalogue entry of its reason', () => {
    const err = new AppError('VERSION_MISMATCH', 'x');
    expect(err.code).toBe(status.ABORTED);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('AppError');
  });

  it('invalid() keeps every violation and names up to three in the message', () => {
    const violations = ['a', 'b', 'c', 'd', 'e'].map((field) => ({
      field,
      reason: 'REQUIRED' as const,
      description: 'is required',
    }));
    const err = AppError.invalid(violations);
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.reason).toBe('INVALID_ARGUMENT');
    expect(err.violations).toHaveLength(5);
    expect(err.message).toBe('5 problems in the request: a: is required; b: is required; c: is required; and 2 more');
  });

  it('invalid() with one violation reads as that violation', () => {
    const err = AppError.invalid([{ field: 'email', reason: 'INVALID_EMAIL', description: '"ada@" is bad' }]);
    expect(err.message).toBe('email: "ada@" is bad');
  });

  it('invalid() counts omitted violations in the message and the metadata', () => {
    const err = AppError.invalid([{ field: 'a', reason: 'REQUIRED', description: 'x' }], 7);
    expect(err.message).toContain('8 problems');
    expect(err.message).toContain('and 7 more');
    expect(err.metadata).toEqual({ omitted_violations: '7' });
  });

  it('notFound() carries the facts as metadata and in the message', () => {
    const err = AppError.notFound('CHANNEL_DATA_NOT_FOUND', { user_id: 'u1', channel_id: 'apns' });
    expect(err.code).toBe(status.NOT_FOUND);
    expect(err.metadata).toEqual({ user_id: 'u1', channel_id: 'apns' });
    expect(err.message).toBe('The user has no data stored for the given channel_id (user_id "u1", channel_id "apns")');
  });

  it('versionMismatch() is ABORTED with a VERSION precondition violation', () => {
    const err = AppError.versionMismatch('users/u1', 'v1', 'v2');
    expect(err.code).toBe(status.ABORTED);
    expect(err.reason).toBe('VERSION_MISMATCH');
    expect(err.precondition).toEqual([
      { type: 'VERSION', subject: 'users/u1', description: 'expected version "v1" but the stored version is "v2"' },
    ]);
    expect(err.metadata).toEqual({ subject: 'users/u1', expected_version: 'v1', actual_version: 'v2' });
  });

  it('versionMismatch() without an actual version says nothing is stored', () => {
    const err = AppError.versionMismatch('users/u1', 'v1');
    expect(err.message).toBe('users/u1: expected version "v1" but nothing is stored');
    expect(err.metadata).not.toHaveProperty('actual_version');
  });

  describe('from()', () => {
    it('passes an AppError through unchanged', () => {
      const err = AppError.versionMismatch('users/u1', 'a');
      expect(AppError.from(err)).toBe(err);
    });

    it('maps MongoDB errors through the driver mapping', () => {
      expect(AppError.from(new MongoNetworkError('connection reset by 10.0.0.7')).reason).toBe('DATABASE_UNAVAILABLE');
      expect(AppError.from(new MongoServerError({ code: 112, errmsg: 'WriteConflict' })).reason).toBe('WRITE_CONFLICT');
    });

    it('turns anything else into INTERNAL with a generic message, keeping the original as cause', () => {
      const original = new TypeError('secret detail: password=hunter2');
      const err = AppError.from(original);
      expect(err.code).toBe(status.INTERNAL);
      expect(err.message).toBe('internal error');
      expect(err.cause).toBe(original);
    });

    it('handles thrown non-errors', () => {
      const err = AppError.from('a string');
      expect(err.reason).toBe('INTERNAL');
      expect(err.cause).toBe('a string');
    });
  });
});
