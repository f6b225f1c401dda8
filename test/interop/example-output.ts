/**
 * What every language's example program must print, checked the same way
 * for each: the user read back with its nested properties, the bulk
 * identify summary for 3000 new users, and the bad request's violations
 * (an invalid email and an invalid phone number).
 */
import { expect } from 'vitest';

export const EXAMPLE_BULK_USERS = 3000;

export function expectExampleOutput(stdout: string): void {
  const lines = stdout.split('\n').filter((line) => line !== '');
  const readBack = lines.find((line) => line.startsWith('read back: '));
  expect(readBack, stdout).toBeDefined();
  const properties = JSON.parse(readBack!.slice(readBack!.indexOf('properties=') + 'properties='.length)) as unknown;
  // Nested values came back as nested values, not flattened or stringified.
  expect(Object.values(properties as object).some((v) => typeof v === 'object' && v !== null && !Array.isArray(v)), readBack).toBe(true);
  expect(Object.values(properties as object).some((v) => Array.isArray(v)), readBack).toBe(true);

  const bulk = /^bulk identify: created=(\d+) updated=(\d+) rejected=(\d+)$/.exec(lines.find((l) => l.startsWith('bulk identify: ')) ?? '');
  expect(bulk, stdout).not.toBeNull();
  expect(bulk!.slice(1).map(Number), stdout).toEqual([EXAMPLE_BULK_USERS, 0, 0]);

  // Every example sends an invalid email and an invalid phone number.
  const violations = lines.filter((line) => line.startsWith('bad request: ')).map((line) => line.split(': ')[1]);
  expect(violations.sort(), stdout).toEqual(['email', 'phone_number']);
  expect(lines, stdout).toContain('reason: INVALID_ARGUMENT');
}
