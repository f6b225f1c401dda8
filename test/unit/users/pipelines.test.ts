/**
 * The update pipelines evaluated by mingo on sample documents, to check what
 * they mean: merge by top-level key, replace, key removal, caller strings
 * kept as text, and created_at kept or seeded.
 */
import fc from 'fast-check';
import { Aggregator } from 'mingo';
import { describe, expect, it } from 'vitest';
import type { IdentifyCommand, JsonObject } from '../../../src/users/model.ts';
import {
  channelDataPipeline,
  identifyPipeline,
  preferenceSetPipeline,
} from '../../../src/users/pipelines.ts';

type Doc = Record<string, unknown>;

/**
 * MongoDB gives `$$NOW` one value for a whole statement; mingo reads the
 * clock anew in each expression. Binding it first models MongoDB.
 */
function bindNow(value: unknown, now: Date): unknown {
  if (value === '$$NOW') return { $literal: now };
  if (Array.isArray(value)) return value.map((item) => bindNow(item, now));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === '$literal' ? v : bindNow(v, now)]));
  }
  return value;
}

function apply(pipeline: Doc[], doc: Doc): Doc {
  const [out] = new Aggregator(bindNow(pipeline, new Date()) as Doc[]).run([doc]) as Doc[];
  if (out === undefined) throw new Error('the pipeline dropped the document');
  return out;
}

function command(overrides: Partial<IdentifyCommand>): IdentifyCommand {
  return {
    userId: 'u1',
    profile: {},
    traits: { mode: 'merge', set: {}, unset: [] },
    channelData: [],
    preferenceSets: [],
    ...overrides,
  };
}

const stored: Doc = {
  _id: 'u1',
  name: 'Ada',
  email: 'ada@example.com',
  avatar: 'https://example.com/a.png',
  properties: { plan: 'free', nested: { a: 1, b: 2 }, keep: true },
  createdAt: new Date('2020-01-01T00:00:00Z'),
  updatedAt: new Date('2020-01-02T00:00:00Z'),
  v: 'old',
};

describe('identifyPipeline', () => {
  it('gives a new user an incarnation and never changes a stored one', () => {
    const created = apply(identifyPipeline(command({}), 'v1', 'inc-new'), { _id: 'u1' });
    expect(created['uid']).toBe('inc-new');
    const updated = apply(identifyPipeline(command({}), 'v2', 'inc-other'), { ...stored, uid: 'inc-first' });
    expect(updated['uid']).toBe('inc-first');
    // A user stored before incarnations existed keeps none, so the messages
    // that name it by id alone keep resolving to it.
    const legacy = apply(identifyPipeline(command({}), 'v2', 'inc-other'), stored);
    expect(legacy).not.toHaveProperty('uid');
  });

  it('merges traits per top-level key and never deep-merges', () => {
    const out = apply(
      identifyPipeline(command({ traits: { mode: 'merge', set: { plan: 'pro', nested: { c: 3 } }, unset: [] } }), 'v2'),
      stored,
    );
    expect(out['properties']).toEqual({ plan: 'pro', nested: { c: 3 }, keep: true });
  });

  it('replaces the traits whole in replace mode', () => {
    const out = apply(identifyPipeline(command({ traits: { mode: 'replace', properties: { only: 1 } } }), 'v2'), stored);
    expect(out['properties']).toEqual({ only: 1 });
  });

  it('replace with no properties leaves none', () => {
    const out = apply(identifyPipeline(command({ traits: { mode: 'replace', properties: {} } }), 'v2'), stored);
    expect(out['properties']).toEqual({});
  });

  it('removes the named trait keys and keeps the rest', () => {
    const out = apply(
      identifyPipeline(command({ traits: { mode: 'merge', set: { added: 'x' }, unset: ['plan', 'nested'] } }), 'v2'),
      stored,
    );
    expect(out['properties']).toEqual({ keep: true, added: 'x' });
  });

  it('keeps strings that look like field paths or operators as text', () => {
    const out = apply(
      identifyPipeline(
        command({
          profile: { name: '$email' },
          traits: { mode: 'merge', set: { ref: '$name', expr: '$$NOW', list: ['$avatar'] }, unset: [] },
        }),
        'v2',
      ),
      stored,
    );
    expect(out['name']).toBe('$email');
    expect(out['properties']).toMatchObject({ ref: '$name', expr: '$$NOW', list: ['$avatar'] });
  });

  it('sets the fields sent, removes the fields cleared, keeps the others', () => {
    const out = apply(
      identifyPipeline(command({ profile: { name: 'Ada L.', avatar: null, timezone: 'Europe/Paris' } }), 'v2'),
      stored,
    );
    expect(out['name']).toBe('Ada L.');
    expect(out['email']).toBe('ada@example.com');
    expect(out['timezone']).toBe('Europe/Paris');
    expect(out).not.toHaveProperty('avatar');
  });

  it('keeps the stored created_at, sets updated_at to now and writes the new version', () => {
    const before = Date.now();
    const out = apply(identifyPipeline(command({}), 'v2'), stored);
    expect(out['createdAt']).toEqual(stored['createdAt']);
    expect((out['updatedAt'] as Date).getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(out['v']).toBe('v2');
  });

  it('gives a new user created_at equal to updated_at, or the time the caller sent', () => {
    const fresh = apply(identifyPipeline(command({ profile: { name: 'N', email: 'n@example.com' } }), 'v1'), { _id: 'u2' });
    expect((fresh['createdAt'] as Date).getTime()).toBe((fresh['updatedAt'] as Date).getTime());
    expect(fresh['properties']).toEqual({});

    const given = new Date('2019-05-05T05:05:05Z');
    const out = apply(identifyPipeline(command({ createdAt: given }), 'v2'), stored);
    expect(out['createdAt']).toEqual(given);
  });
});

describe('channelDataPipeline and preferenceSetPipeline', () => {
  it('replace the data whole and keep caller strings as text', () => {
    const out = apply(channelDataPipeline({ channelId: 'c', data: { tokens: ['$x'] } }, 'v9'), {
      userId: 'u1',
      channelId: 'c',
      data: { tokens: ['old'], other: 1 },
      v: 'v1',
    });
    expect(out['data']).toEqual({ tokens: ['$x'] });
    expect(out['v']).toBe('v9');
  });

  it('replace every part of a preference set', () => {
    const out = apply(
      preferenceSetPipeline(
        { id: 'default', channelTypes: { email: false }, workflows: { w: { channelTypes: { sms: true } } }, categories: {} },
        'v3',
      ),
      { userId: 'u1', setId: 'default', channelTypes: { push: false }, categories: { c: { enabled: false, channelTypes: {} } }, v: 'v1' },
    );
    expect(out['channelTypes']).toEqual({ email: false });
    expect(out['workflows']).toEqual({ w: { channelTypes: { sms: true } } });
    expect(out['categories']).toEqual({});
    expect(out['v']).toBe('v3');
  });
});

describe('identifyPipeline, as properties', () => {
  // Keys as validation allows them (no "$" prefix, no ".", no NUL), but
  // drawn from a small pool so that stored, sent and removed keys overlap.
  const key = fc.constantFrom('plan', 'seats', 'tags', 'address', 'x', 'not-first', 'ünï');
  const value: fc.Arbitrary<unknown> = fc.oneof(
    fc.string(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom('$name', '$$NOW', '$properties.plan'),
    fc.dictionary(key, fc.oneof(fc.string(), fc.integer()), { maxKeys: 3 }),
    fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 }),
  );
  const traits = fc.dictionary(key, value, { maxKeys: 5 }) as fc.Arbitrary<JsonObject>;

  it('merge = stored keys overwritten by sent keys, minus the removed keys, nothing deep-merged', () => {
    fc.assert(
      fc.property(traits, traits, fc.uniqueArray(key, { maxLength: 3 }), (stored, sent, removed) => {
        const unset = removed.filter((k) => !Object.hasOwn(sent, k));
        const out = apply(identifyPipeline(command({ traits: { mode: 'merge', set: sent, unset } }), 'v'), {
          _id: 'u1',
          properties: stored,
        });
        const expected: Record<string, unknown> = { ...stored, ...sent };
        for (const k of unset) delete expected[k];
        expect(out['properties']).toEqual(expected);
      }),
    );
  });

  it('replace = exactly what was sent, whatever was stored', () => {
    fc.assert(
      fc.property(traits, traits, (stored, sent) => {
        const out = apply(identifyPipeline(command({ traits: { mode: 'replace', properties: sent } }), 'v'), {
          _id: 'u1',
          properties: stored,
        });
        expect(out['properties']).toEqual(sent);
      }),
    );
  });
});
