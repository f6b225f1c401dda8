import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PreferenceSet } from '../../../src/gen/herald/users/v1/preferences.js';
import { TraitMode } from '../../../src/gen/herald/users/v1/users_service.js';
import { validateIdentifyUser } from '../../../src/users/validation/identify.ts';
import { identifyRequest, pairsOf, violationsOf } from './helpers.ts';

const NOW = new Date('2025-06-01T12:00:00Z');
const validate = (fields: Parameters<typeof identifyRequest>[0]) =>
  validateIdentifyUser(identifyRequest(fields), { now: NOW });

function preferenceSet(fields: Partial<PreferenceSet> = {}): PreferenceSet {
  return { id: '', channelTypes: {}, workflows: {}, categories: {}, updatedAt: undefined, version: '', ...fields };
}

describe('validateIdentifyUser: a minimal request', () => {
  it('yields a command that changes nothing but identifies the user', () => {
    expect(validate({})).toEqual({
      userId: 'u1',
      profile: {},
      traits: { mode: 'merge', set: {}, unset: [] },
      channelData: [],
      preferenceSets: [],
    });
  });
});

describe('user_id', () => {
  it.each(['u1', 'user@example.com', ' spaced ', 'ü'.repeat(256), '😀'.repeat(256)])('accepts %j', (userId) => {
    expect(validate({ userId }).userId).toBe(userId);
  });

  it.each([
    ['', 'REQUIRED'],
    ['  \u3000 ', 'REQUIRED'],
    ['u'.repeat(257), 'TOO_LONG'],
    ['u\u0000', 'INVALID_CHARACTERS'],
    ['u\u007f', 'INVALID_CHARACTERS'],
    ['u\u009b', 'INVALID_CHARACTERS'],
    ['u\ud800', 'INVALID_CHARACTERS'],
  ])('rejects %j with %s', (userId, reason) => {
    expect(pairsOf(() => validate({ userId }))).toEqual([['user_id', reason]]);
  });

  it('rejects any id with a C0, DEL or C1 control character (property)', () => {
    const control = fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f })).map((c) => String.fromCharCode(c));
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), control, fc.string({ maxLength: 20 }), (a, c, b) => {
        expect(pairsOf(() => validate({ userId: a + c + b }))).toEqual([['user_id', 'INVALID_CHARACTERS']]);
      }),
    );
  });
});

describe('traits', () => {
  it('merges by default and with TRAIT_MODE_MERGE', () => {
    for (const traitMode of [TraitMode.TRAIT_MODE_UNSPECIFIED, TraitMode.TRAIT_MODE_MERGE]) {
      expect(validate({ traitMode, properties: { plan: 'pro' }, unsetProperties: ['old'] }).traits).toEqual({
        mode: 'merge',
        set: { plan: 'pro' },
        unset: ['old'],
      });
    }
  });

  it('replaces with TRAIT_MODE_REPLACE; absent properties mean empty', () => {
    expect(validate({ traitMode: TraitMode.TRAIT_MODE_REPLACE, properties: { a: 1 } }).traits).toEqual({
      mode: 'replace',
      properties: { a: 1 },
    });
    expect(validate({ traitMode: TraitMode.TRAIT_MODE_REPLACE }).traits).toEqual({ mode: 'replace', properties: {} });
  });

  it('rejects an unknown trait mode number', () => {
    expect(pairsOf(() => validate({ traitMode: 3 as TraitMode }))).toEqual([['trait_mode', 'UNKNOWN_ENUM_VALUE']]);
  });

  it('rejects unset_properties with REPLACE', () => {
    expect(pairsOf(() => validate({ traitMode: TraitMode.TRAIT_MODE_REPLACE, unsetProperties: ['a'] }))).toEqual([
      ['unset_properties', 'CONFLICT'],
    ]);
  });

  it('rejects a key both set and unset, duplicates and bad keys, each at its index', () => {
    expect(pairsOf(() => validate({ properties: { a: 1 }, unsetProperties: ['a', 'b', 'b', '$c', 'd.e'] }))).toEqual([
      ['unset_properties[0]', 'CONFLICT'],
      ['unset_properties[2]', 'DUPLICATE'],
      ['unset_properties[3]', 'INVALID_KEY'],
      ['unset_properties[4]', 'INVALID_KEY'],
    ]);
  });

  it('allows 100 unset keys and rejects 101', () => {
    const keys = (n: number) => Array.from({ length: n }, (_, i) => `k${i}`);
    expect(validate({ unsetProperties: keys(100) }).traits).toMatchObject({ mode: 'merge' });
    expect(pairsOf(() => validate({ unsetProperties: keys(101) }))).toEqual([['unset_properties', 'TOO_MANY']]);
  });
});

describe('created_at', () => {
  it('accepts times from 1970 to a day after now', () => {
    expect(validate({ createdAt: new Date(0) }).createdAt).toEqual(new Date(0));
    const latest = new Date(NOW.getTime() + 24 * 3600 * 1000);
    expect(validate({ createdAt: latest }).createdAt).toEqual(latest);
  });

  it.each([
    ['before 1970', new Date(-1)],
    ['more than a day ahead', new Date(NOW.getTime() + 24 * 3600 * 1000 + 1)],
    ['invalid', new Date(Number.NaN)],
  ])('rejects %s', (_name, createdAt) => {
    expect(pairsOf(() => validate({ createdAt }))).toEqual([['created_at', 'OUT_OF_RANGE']]);
  });
});

describe('channel_data', () => {
  it('accepts entries with unique ids and object data', () => {
    const channelData = [
      { channelId: 'apns-production', data: { tokens: ['abc'] } },
      { channelId: 'c1:slack.v2_x', data: {} },
    ];
    expect(validate({ channelData }).channelData).toEqual(channelData);
  });

  it('reports each bad entry at its index', () => {
    const channelData = [
      { channelId: 'ok', data: { a: 1 } },
      { channelId: 'ok', data: { a: 1 } },
      { channelId: '', data: undefined },
      { channelId: 'bad id', data: { $x: 1 } },
      { channelId: 'x'.repeat(129), data: { big: 'y'.repeat(16 * 1024) } },
    ];
    expect(pairsOf(() => validate({ channelData }))).toEqual([
      ['channel_data[1].channel_id', 'DUPLICATE'],
      ['channel_data[2].channel_id', 'REQUIRED'],
      ['channel_data[2].data', 'REQUIRED'],
      ['channel_data[3].channel_id', 'INVALID_CHARACTERS'],
      ['channel_data[3].data["$x"]', 'INVALID_KEY'],
      ['channel_data[4].channel_id', 'TOO_LONG'],
      ['channel_data[4].data', 'TOO_LARGE'],
    ]);
  });

  it('allows 50 entries and rejects 51', () => {
    const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ channelId: `c${i}`, data: {} }));
    expect(validate({ channelData: entries(50) }).channelData).toHaveLength(50);
    expect(pairsOf(() => validate({ channelData: entries(51) }))).toEqual([['channel_data', 'TOO_MANY']]);
  });
});

describe('preferences', () => {
  it('names an unnamed set "default" and keeps the settings', () => {
    const set = preferenceSet({
      channelTypes: { sms: false },
      workflows: { 'new-comment': { enabled: false, channelTypes: { email: true } } },
      categories: { marketing: { channelTypes: {} } },
      version: 'ignored',
    });
    expect(validate({ preferences: [set] }).preferenceSets).toEqual([
      {
        id: 'default',
        channelTypes: { sms: false },
        workflows: { 'new-comment': { enabled: false, channelTypes: { email: true } } },
        categories: { marketing: { channelTypes: {} } },
      },
    ]);
  });

  it('reports unknown channel types, bad keys and duplicate ids with full paths', () => {
    const preferences = [
      preferenceSet({
        channelTypes: { fax: true },
        workflows: { 'new-comment': { channelTypes: { fax: false } }, 'bad key': { channelTypes: {} } },
        categories: { '': { channelTypes: {} } },
      }),
      preferenceSet({ id: 'default' }),
      preferenceSet({ id: 'tenant/1' }),
    ];
    expect(pairsOf(() => validate({ preferences }))).toEqual([
      ['preferences[0].channel_types["fax"]', 'UNKNOWN_CHANNEL_TYPE'],
      ['preferences[0].workflows["new-comment"].channel_types["fax"]', 'UNKNOWN_CHANNEL_TYPE'],
      ['preferences[0].workflows["bad key"]', 'INVALID_KEY'],
      ['preferences[0].categories[""]', 'INVALID_KEY'],
      ['preferences[1].id', 'DUPLICATE'],
      ['preferences[2].id', 'INVALID_CHARACTERS'],
    ]);
  });

  it('limits sets to 20 and workflows to 200 per set', () => {
    const sets = Array.from({ length: 21 }, (_, i) => preferenceSet({ id: `s${i}` }));
    expect(pairsOf(() => validate({ preferences: sets }))).toEqual([['preferences', 'TOO_MANY']]);
    const workflows = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`w${i}`, { channelTypes: {} }]));
    expect(pairsOf(() => validate({ preferences: [preferenceSet({ workflows })] }))).toEqual([
      ['preferences[0].workflows', 'TOO_MANY'],
    ]);
  });
});

describe('expected_version', () => {
  it('passes a well-formed version through and leaves it out when absent', () => {
    expect(validate({ expectedVersion: 'AbC_12-x' }).expectedVersion).toBe('AbC_12-x');
    expect(validate({})).not.toHaveProperty('expectedVersion');
  });

  it.each(['', 'a b', 'x'.repeat(65), 'v1.2'])('rejects %j', (expectedVersion) => {
    expect(pairsOf(() => validate({ expectedVersion }))).toEqual([['expected_version', 'INVALID_TOKEN']]);
  });
});

describe('every problem at once', () => {
  it('reports three bad fields as three violations', () => {
    expect(pairsOf(() => validate({ userId: '', email: 'ada@', phoneNumber: '555' }))).toEqual([
      ['user_id', 'REQUIRED'],
      ['email', 'INVALID_EMAIL'],
      ['phone_number', 'INVALID_E164'],
    ]);
  });

  it('collects at most 100 violations and counts the rest', () => {
    const properties = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`$k${i}`, 1]));
    try {
      validate({ properties });
      expect.fail('expected INVALID_ARGUMENT');
    } catch (err) {
      const violations = violationsOf(() => {
        throw err;
      });
      expect(violations).toHaveLength(100);
      expect((err as Error).message).toContain('150 problems');
    }
  });
});
