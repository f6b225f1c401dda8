/**
 * How many conflicting paths a MergeUsers reply lists: in order, at most
 * 1000 and 64 KiB of them, the rest counted.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listConflicts, MAX_CONFLICT_BYTES, MAX_CONFLICTS_LISTED } from '../../../src/lifecycle/merge-service.ts';

describe('listConflicts', () => {
  it('lists everything when it is small', () => {
    expect(listConflicts(['properties.a', 'properties.b'])).toEqual({ listed: ['properties.a', 'properties.b'], omitted: 0 });
  });

  it('stops at 1000 paths', () => {
    const paths = Array.from({ length: 1500 }, (_, i) => `properties.k${i}`);
    const { listed, omitted } = listConflicts(paths);
    expect(listed).toEqual(paths.slice(0, MAX_CONFLICTS_LISTED));
    expect(omitted).toBe(500);
  });

  it('stops before 64 KiB of long paths', () => {
    const long = `properties.${'😀'.repeat(256)}.${'😀'.repeat(256)}`;
    const { listed, omitted } = listConflicts(Array.from({ length: 100 }, (_, i) => `${long}.${i}`));
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.reduce((n, p) => n + Buffer.byteLength(p), 0)).toBeLessThanOrEqual(MAX_CONFLICT_BYTES);
    expect(listed.length + omitted).toBe(100);
  });

  it('always keeps a prefix, within both bounds, and counts the rest', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 3000 }), { maxLength: 1200 }), (paths) => {
        const { listed, omitted } = listConflicts(paths);
        expect(listed).toEqual(paths.slice(0, listed.length));
        expect(listed.length + omitted).toBe(paths.length);
        expect(listed.length).toBeLessThanOrEqual(MAX_CONFLICTS_LISTED);
        expect(listed.reduce((n, p) => n + Buffer.byteLength(p), 0)).toBeLessThanOrEqual(MAX_CONFLICT_BYTES);
      }),
      { numRuns: 50 },
    );
  });
});
