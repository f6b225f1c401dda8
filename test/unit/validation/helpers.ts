import { expect } from 'vitest';
import { AppError, type FieldViolation } from '../../../src/errors/app-error.ts';
import { IdentifyUserRequest } from '../../../src/gen/herald/users/v1/users_service.js';

/** The violations `fn` throws; fails the test when it does not throw them. */
export function violationsOf(fn: () => unknown): readonly FieldViolation[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    const appError = err as AppError;
    expect(appError.reason).toBe('INVALID_ARGUMENT');
    expect(appError.violations.length).toBeGreaterThan(0);
    return appError.violations;
  }
  expect.fail('expected INVALID_ARGUMENT, but validation passed');
}

/** `[field, reason]` pairs, the shape most assertions want. */
export function pairsOf(fn: () => unknown): [string, string][] {
  return violationsOf(fn).map((v) => [v.field, v.reason]);
}

/** An IdentifyUserRequest with defaults, as the decoder would produce it. */
export function identifyRequest(fields: Partial<IdentifyUserRequest> = {}): IdentifyUserRequest {
  return { ...IdentifyUserRequest.fromPartial({ userId: 'u1' }), ...fields };
}
