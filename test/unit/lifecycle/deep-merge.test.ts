/**
 * MergeUsers' deep merge of properties, by example and against a small
 * model: the merged value at every path, read straight off the two inputs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonEqual, mergeProperties } from '../../../src/lifecycle/deep-merge.ts';
import type { JsonObject, JsonValue } from '../../../src/users/model.ts';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every path to a non-object value (or an empty object) in `value`, with the value. */
function leaves(value: JsonObject, path: string[] = []): [string[], JsonValue][] {
  const entries = Object.entries(value);
  if (entries.length === 0 && path.length > 0) return [[path, {}]];
  return entries.flatMap(([key, v]) => (isObject(v) ? leaves(v, [...path, key]) : [[[...path, key], v] as [string[], JsonValue]]));
}

function at(value: JsonValue | undefined, path: readonly string[]): JsonValue | undefined {
  let current = value;
  for (const key of path) {
    if (!isObject(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}

// Few distinct keys, so that the two users' paths often meet.
const key = fc.constantFrom('a', 'b', 'c', 'plan', '__proto__', 'toString', 'ключ');
const scalar = fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: -3, max: 3 }), fc.constantFrom('x', 'y'));
const { json } = fc.letrec<{ json: JsonValue; object: JsonObject }>((tie) => ({
  json: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('json'), { maxLength: 2 }), tie('object')),
  object: fc
    .array(fc.tuple(key, tie('json')), { maxLength: 4 })
    .map((entries) => {
      const out = Object.create(null) as JsonObject;
      for (const [k, v] of entries) out[k] = v;
      return out;
    }),
}));
const object = json.filter(isObject);

describe('mergeProperties', () => {
  it('merges nested objects, keeps the primary at every shared path, and never combines arrays', () => {
    const primary = { plan: 'pro', address: { city: 'Paris', geo: { lat: 1 } }, tags: ['a'], nothing: null };
    const secondary = { plan: 'free', address: { city: 'Lyon', zip: '69000', geo: { lon: 2 } }, tags: ['b', 'c'], extra: { x: 1 }, nothing: 0 };
    const { merged, conflicts } = mergeProperties(primary, secondary);
    expect(merged).toEqual({
      plan: 'pro',
      address: { city: 'Paris', zip: '69000', geo: { lat: 1, lon: 2 } },
      tags: ['a'],
      nothing: null,
      extra: { x: 1 },
    });
    expect(conflicts).toEqual(['properties.address.city', 'properties.nothing', 'properties.plan', 'properties.tags']);
  });

  it('keeps an object against a scalar, and a scalar against an object, from the primary', () => {
    expect(mergeProperties({ a: { b: 1 } }, { a: 2 })).toEqual({ merged: { a: { b: 1 } }, conflicts: ['properties.a'] });
    expect(mergeProperties({ a: 2 }, { a: { b: 1 } })).toEqual({ merged: { a: 2 }, conflicts: ['properties.a'] });
  });

  it('reports no conflict where both hold the same value', () => {
    expect(mergeProperties({ a: [1, { b: 2 }], c: 'x' }, { a: [1, { b: 2 }], c: 'x' }).conflicts).toEqual([]);
  });

  it('keeps "__proto__" and Object.prototype names as data', () => {
    const secondary = JSON.parse('{"__proto__": {"polluted": true}, "toString": 1}') as JsonObject;
    const { merged } = mergeProperties({}, secondary);
    expect(Object.keys(merged).sort()).toEqual(['__proto__', 'toString']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('matches the model: each path reads the primary when it holds a value there, else the secondary', () => {
    fc.assert(
      fc.property(object, object, (primary, secondary) => {
        const { merged, conflicts } = mergeProperties(primary, secondary);
        // Everything the primary holds is there, unchanged.
        for (const [path, value] of leaves(primary)) {
          const got = at(merged, path);
          if (isObject(value)) expect(isObject(got), path.join('.')).toBe(true);
          else expect(got, path.join('.')).toEqual(value);
        }
        // Everything the secondary holds is there unless a primary value stands on its path.
        for (const [path, value] of leaves(secondary)) {
          // Blocked by a primary value at the path itself, or by a
          // non-object one on the way to it.
          const blocked =
            at(primary, path) !== undefined ||
            path.some((_, i) => {
              const ours = at(primary, path.slice(0, i + 1));
              return ours !== undefined && !isObject(ours);
            });
          if (!blocked && !isObject(value)) expect(at(merged, path), path.join('.')).toEqual(value);
        }
        // Nothing appears that neither user held.
        for (const [path, value] of leaves(merged)) {
          const fromPrimary = at(primary, path);
          const fromSecondary = at(secondary, path);
          expect(
            (fromPrimary !== undefined && jsonEqual(fromPrimary, value)) || (fromSecondary !== undefined && jsonEqual(fromSecondary, value)),
            path.join('.'),
          ).toBe(true);
        }
        // A conflict is exactly a shared path, not two objects, with different values.
        for (const conflict of conflicts) {
          const path = conflict.split('.').slice(1);
          const ours = at(primary, path);
          const theirs = at(secondary, path);
          expect(ours !== undefined && theirs !== undefined && !(isObject(ours) && isObject(theirs)) && !jsonEqual(ours, theirs), conflict).toBe(true);
        }
        expect([...conflicts].sort()).toEqual(conflicts);
        // Merging a user's properties with themselves changes nothing.
        expect(mergeProperties(primary, primary)).toEqual({ merged: primary, conflicts: [] });
      }),
      { numRuns: 500 },
    );
  });
});
