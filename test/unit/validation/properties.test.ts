import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../src/users/model.ts';
import { validateIdentifyUser } from '../../../src/users/validation/identify.ts';
import { keyProblem, MAX_KEY } from '../../../src/users/validation/json.ts';
import { identifyRequest, pairsOf, violationsOf } from './helpers.ts';

const traitsOf = (properties: Record<string, unknown> | undefined) =>
  validateIdentifyUser(identifyRequest({ properties })).traits;

/** `{a: {a: ... {a: 1}}}` with `levels` objects. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { a: 1 };
  for (let i = 1; i < levels; i += 1) value = { a: value };
  return value;
}

describe('properties: keys', () => {
  it('accepts keys of 1 to 256 code points with any other characters', () => {
    const properties = { plan: 'pro', 'with space': 1, 'ünï-cødé': true, ['k'.repeat(MAX_KEY)]: null, 'tab\there': 1 };
    expect(traitsOf(properties)).toEqual({ mode: 'merge', set: properties, unset: [] });
  });

  it.each([
    [{ $set: 1 }, 'properties["$set"]', 'starts with "$"'],
    [{ 'a.b': 1 }, 'properties["a.b"]', 'contains "."'],
    [{ 'a\u0000b': 1 }, 'properties["a\\u0000b"]', 'contains NUL'],
    [{ '': 1 }, 'properties[""]', 'may not be empty'],
    [{ ['k'.repeat(MAX_KEY + 1)]: 1 }, `properties["${'k'.repeat(64)}…"]`, 'is 257 characters long'],
    [{ plan: { level: { $gt: 1 } } }, 'properties.plan.level["$gt"]', 'starts with "$"'],
    [{ list: [1, { ok: 1 }, { 'x.y': 1 }] }, 'properties.list[2]["x.y"]', 'contains "."'],
  ])('rejects %j at %s', (properties, field, why) => {
    const [violation, ...rest] = violationsOf(() => traitsOf(properties));
    expect(rest).toEqual([]);
    expect(violation?.field).toBe(field);
    expect(violation?.reason).toBe('INVALID_KEY');
    expect(violation?.description).toContain(why);
  });

  it('names every problem of one key in one violation', () => {
    expect(keyProblem('$a.b')).toBe('key "$a.b" starts with "$" and contains "."');
  });

  it('never quotes property values', () => {
    const violations = violationsOf(() => traitsOf({ $ssn: '078-05-1120', n: Number.NaN }));
    const text = JSON.stringify(violations);
    expect(text).not.toContain('078-05-1120');
    expect(violations.map((v) => v.reason)).toEqual(['INVALID_KEY', 'INVALID_NUMBER']);
  });
});

describe('properties: values, depth and size', () => {
  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('rejects the number %s', (n) => {
    expect(pairsOf(() => traitsOf({ score: n }))).toEqual([['properties.score', 'INVALID_NUMBER']]);
  });

  it('rejects a list item with no value kind (as the decoder gives for an empty Value)', () => {
    expect(pairsOf(() => traitsOf({ tags: ['a', undefined] }))).toEqual([['properties.tags[1]', 'INVALID_VALUE']]);
  });

  it('accepts 8 levels and rejects 9, counting the top-level object as level 1', () => {
    expect(traitsOf(nested(8))).toMatchObject({ mode: 'merge' });
    expect(pairsOf(() => traitsOf(nested(9)))).toEqual([['properties.a.a.a.a.a.a.a.a', 'TOO_DEEP']]);
  });

  it('counts arrays as levels too', () => {
    // object(1) > array(2) > array(3) > ... 7 arrays → 8 levels
    const ok = { a: [[[[[[[1]]]]]]] };
    const deep = { a: [[[[[[[[1]]]]]]]] };
    expect(traitsOf(ok)).toMatchObject({ mode: 'merge' });
    expect(pairsOf(() => traitsOf(deep))).toEqual([['properties.a[0][0][0][0][0][0][0]', 'TOO_DEEP']]);
  });

  it('accepts 32 KiB of UTF-8 JSON and rejects a byte more', () => {
    const overhead = JSON.stringify({ s: '' }).length;
    const fits = { s: 'x'.repeat(32 * 1024 - overhead) };
    expect(traitsOf(fits)).toMatchObject({ mode: 'merge' });
    const tooBig = { s: 'x'.repeat(32 * 1024 - overhead + 1) };
    const [violation] = violationsOf(() => traitsOf(tooBig));
    expect(violation).toMatchObject({ field: 'properties', reason: 'TOO_LARGE' });
    expect(violation?.description).toContain('32769 bytes');
  });

  it('measures size in UTF-8 bytes, not characters', () => {
    const overhead = JSON.stringify({ s: '' }).length;
    // "é" is 2 bytes: half as many fit.
    expect(pairsOf(() => traitsOf({ s: 'é'.repeat((32 * 1024 - overhead) / 2 + 1) }))).toEqual([
      ['properties', 'TOO_LARGE'],
    ]);
  });

  it('keeps a "__proto__" key as data, not as the prototype', () => {
    const properties = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const traits = traitsOf(properties);
    expect(traits.mode).toBe('merge');
    const set = (traits as { set: JsonObject }).set;
    expect(Object.keys(set)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(set)).toBe(Object.prototype);
  });
});

// Keys that obey every rule: no "$" first, no ".", no NUL, 1 to 256 long.
const goodKey = fc
  .string({ minLength: 1, maxLength: 20, unit: 'binary' })
  .filter((k) => keyProblem(k) === undefined);
const badKey = fc.oneof(
  goodKey.map((k) => `$${k}`),
  fc.tuple(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 })).map(([a, b]) => `${a}.${b}`),
);

/** JSON objects of at most `levels` levels whose keys come from `key`. */
function jsonObject(key: fc.Arbitrary<string>, levels: number): fc.Arbitrary<Record<string, unknown>> {
  const scalar = fc.oneof(fc.constant(null), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string());
  const { value } = fc.letrec<{ value: unknown; object: Record<string, unknown> }>((tie) => ({
    value: fc.oneof({ depthSize: 'small', maxDepth: levels - 1 }, scalar, fc.array(tie('value'), { maxLength: 3 }), tie('object')),
    object: fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  }));
  return fc.dictionary(key, value, { maxKeys: 5 });
}

describe('properties (property-based)', () => {
  it('accepts any JSON object whose keys obey the rules, unchanged', () => {
    fc.assert(
      fc.property(jsonObject(goodKey, 7), (properties) => {
        const traits = traitsOf(properties);
        expect(traits).toEqual({ mode: 'merge', set: properties, unset: [] });
      }),
    );
  });

  it('rejects any object with a "$"- or "."-key at any depth, naming that key', () => {
    const withBadKey = fc
      .tuple(jsonObject(goodKey, 4), badKey, fc.array(goodKey, { maxLength: 3 }))
      .map(([generated, bad, path]) => {
        // Put {bad: 1} under base.path[0].path[1]... of a copy: fast-check
        // reuses generated values while shrinking, so they must not change.
        const base = structuredClone(generated);
        let holder: Record<string, unknown> = base;
        // defineProperty, because fast-check likes to generate "__proto__".
        const put = (target: object, key: string, value: unknown) =>
          Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
        for (const k of path) {
          const next: Record<string, unknown> = {};
          put(holder, k, next);
          holder = next;
        }
        put(holder, bad, 1);
        return { properties: base, bad };
      });
    fc.assert(
      fc.property(withBadKey, ({ properties, bad }) => {
        const violations = violationsOf(() => traitsOf(properties));
        expect(violations.some((v) => v.reason === 'INVALID_KEY' && v.description.includes(JSON.stringify(bad)))).toBe(true);
      }),
    );
  });
});
