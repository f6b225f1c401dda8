/**
 * Shared helpers of the integration tests: request factories, error
 * assertions and database counts. The service itself is started by
 * harness.ts; everything here works on what it returns.
 */
import { randomBytes } from 'node:crypto';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import type { Db } from 'mongodb';
import { expect } from 'vitest';
import { ERROR_DOMAIN, type StatusDetails } from '../../src/errors/grpc-status.ts';
import { REASONS, type Reason } from '../../src/errors/reasons.ts';
import type { DeepPartial, IdentifyUserRequest } from '../../src/gen/herald/users/v1/users_service.js';
import { grpcError } from './harness.ts';

let sequence = 0;

/** An id no other test of the run uses: `prefix-<n>-<random>`. */
export function uniqueId(prefix = 'user'): string {
  sequence += 1;
  return `${prefix}-${sequence}-${randomBytes(3).toString('hex')}`;
}

/** An IdentifyUser request that creates a valid new user; `overrides` win. */
export function newUser(overrides: DeepPartial<IdentifyUserRequest> = {}): DeepPartial<IdentifyUserRequest> & {
  userId: string;
} {
  const userId = overrides.userId ?? uniqueId();
  return { name: 'Ada Lovelace', email: `${uniqueId('ada')}@example.com`, ...overrides, userId };
}

/** The value, failing the test when it is undefined (response fields are optional in the generated types). */
export function defined<T>(value: T | undefined, what = 'value'): T {
  if (value === undefined) return expect.fail(`${what} is undefined`);
  return value;
}

/** Documents in each collection, for one user or for all. */
export async function counts(
  db: Db,
  userId?: string,
): Promise<{ users: number; channelData: number; preferenceSets: number }> {
  const byUser = userId === undefined ? {} : { userId };
  return {
    users: await db.collection<{ _id: string }>('users').countDocuments(userId === undefined ? {} : { _id: userId }),
    channelData: await db.collection('channel_data').countDocuments(byUser),
    preferenceSets: await db.collection('preference_sets').countDocuments(byUser),
  };
}

/** The stored user document, or null. */
export function storedUser(db: Db, userId: string): Promise<Record<string, unknown> | null> {
  return db.collection<{ _id: string }>('users').findOne({ _id: userId });
}

/**
 * Asserts that the call failed with `code` and `reason` (a catalogue reason
 * that travels with that code) in ErrorInfo of this service's domain, and
 * returns the error and its details.
 */
export async function expectError(
  promise: Promise<unknown>,
  code: status,
  reason: Reason,
): Promise<{ error: ServiceError; details: StatusDetails }> {
  const failure = await grpcError(promise);
  const { error, details } = failure;
  expect(status[error.code], error.details).toBe(status[code]);
  expect(REASONS[reason].code).toBe(code);
  expect(details.code).toBe(code);
  expect(details.message).toBe(error.details);
  expect(details.errorInfo?.domain).toBe(ERROR_DOMAIN);
  expect(details.errorInfo?.reason).toBe(reason);
  return failure;
}

/** A field violation as the tests compare them. */
export interface Violation {
  field: string | ReturnType<typeof expect.stringMatching>;
  reason: string;
}

/**
 * Asserts INVALID_ARGUMENT whose BadRequest lists exactly `expected`
 * (field and reason, in any order), each with a description; returns the
 * details.
 */
export async function expectViolations(promise: Promise<unknown>, expected: readonly Violation[]): Promise<StatusDetails> {
  const { details } = await expectError(promise, status.INVALID_ARGUMENT, 'INVALID_ARGUMENT');
  const got = details.badRequest?.fieldViolations ?? [];
  for (const violation of got) expect(violation.description, violation.field).not.toBe('');
  expect(got.map(({ field, reason }) => ({ field, reason }))).toEqual(expect.arrayContaining([...expected]));
  expect(got, JSON.stringify(got)).toHaveLength(expected.length);
  return details;
}

/** Nested objects `levels` deep below the value itself: nest(0) is {}. */
export function nest(levels: number): Record<string, unknown> {
  return levels === 0 ? {} : { a: nest(levels - 1) };
}

/** Metadata carrying one x-request-id. */
export function requestIdMetadata(requestId: string): Metadata {
  const metadata = new Metadata();
  metadata.set('x-request-id', requestId);
  return metadata;
}

/** Code points order, which is MongoDB's binary order of UTF-8 strings. */
export function byCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
