/**
 * IdentifyUser's input rules over gRPC: every problem of a request is listed
 * at once with its field path, and a request with any problem writes nothing.
 */
import { describe, expect, it } from 'vitest';
import { TraitMode } from '../../src/gen/herald/users/v1/users_service.js';
import { counts, defined, expectViolations, nest, newUser, storedUser, type Violation } from './fixtures.ts';
import { startTestService } from './harness.ts';

const { api, mongo } = await startTestService();

/** A request breaking one rule in each of many fields, with the violations it must produce. */
function badRequest(userId: string) {
  const request = newUser({
    userId,
    email: 'not-an-email',
    phoneNumber: '0044 7700 900123',
    timezone: 'Mars/Olympus_Mons',
    locale: 'not a locale',
    avatar: 'ftp://example.com/a.png',
    properties: { $key: 1, 'a.b': 2, fine: 'yes', d: nest(12) },
    channelData: [
      { channelId: 'apns', data: { tokens: ['a'] } },
      { channelId: 'apns', data: { tokens: ['b'] } },
    ],
    preferences: [{ id: 'default', channelTypes: { email: true, fax: false } }],
  });
  const expected: Violation[] = [
    { field: 'email', reason: 'INVALID_EMAIL' },
    { field: 'phone_number', reason: 'INVALID_E164' },
    { field: 'timezone', reason: 'UNKNOWN_TIMEZONE' },
    { field: 'locale', reason: 'INVALID_LOCALE' },
    { field: 'avatar', reason: 'INVALID_URL' },
    { field: 'properties["$key"]', reason: 'INVALID_KEY' },
    { field: 'properties["a.b"]', reason: 'INVALID_KEY' },
    { field: expect.stringMatching(/^properties\.d(\.a)+$/), reason: 'TOO_DEEP' },
    { field: 'channel_data[1].channel_id', reason: 'DUPLICATE' },
    { field: 'preferences[0].channel_types["fax"]', reason: 'UNKNOWN_CHANNEL_TYPE' },
  ];
  return { request, expected };
}

describe('IdentifyUser rejects bad input', () => {
  it('lists every problem of a new user at once and writes nothing', async () => {
    const { request, expected } = badRequest('bad-new-user');
    await expectViolations(api.identifyUser(request), expected);
    expect(await counts(mongo.db, 'bad-new-user')).toEqual({ users: 0, channelData: 0, preferenceSets: 0 });
  });

  it('lists every problem for an existing user and leaves what is stored untouched', async () => {
    const existing = newUser({ properties: { plan: 'free' }, channelData: [{ channelId: 'sms', data: { n: 1 } }] });
    await api.identifyUser(existing);
    const before = await storedUser(mongo.db, existing.userId);
    const beforeCounts = await counts(mongo.db, existing.userId);

    const { request, expected } = badRequest(existing.userId);
    await expectViolations(api.identifyUser({ ...request, name: 'Changed' }), expected);
    expect(await storedUser(mongo.db, existing.userId)).toEqual(before);
    expect(await counts(mongo.db, existing.userId)).toEqual(beforeCounts);
  });

  it('rejects unset_properties with TRAIT_MODE_REPLACE, and a key both set and unset', async () => {
    const existing = newUser({ properties: { a: 1, b: 2 } });
    await api.identifyUser(existing);
    await expectViolations(
      api.identifyUser({
        userId: existing.userId,
        traitMode: TraitMode.TRAIT_MODE_REPLACE,
        properties: { c: 3 },
        unsetProperties: ['a'],
      }),
      [{ field: 'unset_properties', reason: 'CONFLICT' }],
    );
    await expectViolations(
      api.identifyUser({ userId: existing.userId, properties: { a: 5 }, unsetProperties: ['b', 'a', '$x', 'b'] }),
      [
        { field: 'unset_properties[1]', reason: 'CONFLICT' },
        { field: 'unset_properties[2]', reason: 'INVALID_KEY' },
        { field: 'unset_properties[3]', reason: 'DUPLICATE' },
      ],
    );
    expect((await storedUser(mongo.db, existing.userId))?.['properties']).toEqual({ a: 1, b: 2 });
  });

  it('rejects keys in nested objects and arrays, with their paths', async () => {
    const request = newUser({ properties: { outer: { $inner: 1, list: [{ 'x.y': true }] }, 'has space': { 'ok key': 1 } } });
    await expectViolations(api.identifyUser(request), [
      { field: 'properties.outer["$inner"]', reason: 'INVALID_KEY' },
      { field: 'properties.outer.list[0]["x.y"]', reason: 'INVALID_KEY' },
    ]);
    expect(await counts(mongo.db, request.userId)).toEqual({ users: 0, channelData: 0, preferenceSets: 0 });
  });

  it('rejects a missing or blank user_id, an empty name or email, and a bad expected_version', async () => {
    await expectViolations(api.identifyUser(newUser({ userId: '' })), [{ field: 'user_id', reason: 'REQUIRED' }]);
    await expectViolations(api.identifyUser(newUser({ userId: '   ' })), [{ field: 'user_id', reason: 'REQUIRED' }]);
    await expectViolations(api.identifyUser(newUser({ userId: 'a\u0000b' })), [
      { field: 'user_id', reason: 'INVALID_CHARACTERS' },
    ]);
    await expectViolations(api.identifyUser(newUser({ userId: 'x'.repeat(257) })), [
      { field: 'user_id', reason: 'TOO_LONG' },
    ]);

    const existing = newUser();
    await api.identifyUser(existing);
    await expectViolations(api.identifyUser({ userId: existing.userId, name: '', email: '' }), [
      { field: 'name', reason: 'REQUIRED' },
      { field: 'email', reason: 'REQUIRED' },
    ]);
    await expectViolations(api.identifyUser({ userId: existing.userId, expectedVersion: '' }), [
      { field: 'expected_version', reason: 'INVALID_TOKEN' },
    ]);
    await expectViolations(api.identifyUser({ userId: existing.userId, expectedVersion: 'not a version!' }), [
      { field: 'expected_version', reason: 'INVALID_TOKEN' },
    ]);
    expect(await storedUser(mongo.db, existing.userId)).toMatchObject({ name: existing.name, email: existing.email });
  });

  it('rejects a created_at far in the future', async () => {
    const request = newUser({ createdAt: new Date(Date.now() + 10 * 24 * 60 * 60 * 1000) });
    await expectViolations(api.identifyUser(request), [{ field: 'created_at', reason: 'OUT_OF_RANGE' }]);
    expect(await counts(mongo.db, request.userId)).toMatchObject({ users: 0 });
  });

  it('writes nothing at all when only the inline channel data or preferences are invalid', async () => {
    const existing = newUser({ properties: { plan: 'free' } });
    const created = defined((await api.identifyUser(existing)).user);

    await expectViolations(
      api.identifyUser({
        userId: existing.userId,
        name: 'New name',
        properties: { plan: 'pro' },
        channelData: [
          { channelId: 'ok-channel', data: { tokens: ['t'] } },
          { channelId: 'bad channel!', data: { tokens: ['t'] } },
          { channelId: 'no-data' },
        ],
        preferences: [{ id: 'tenant-a', workflows: { digest: { channelTypes: { pigeon: true } } } }],
      }),
      [
        { field: 'channel_data[1].channel_id', reason: 'INVALID_CHARACTERS' },
        { field: 'channel_data[2].data', reason: 'REQUIRED' },
        { field: 'preferences[0].workflows["digest"].channel_types["pigeon"]', reason: 'UNKNOWN_CHANNEL_TYPE' },
      ],
    );
    const doc = await storedUser(mongo.db, existing.userId);
    expect(doc).toMatchObject({ name: existing.name, properties: { plan: 'free' }, v: created.version });
    expect(await counts(mongo.db, existing.userId)).toEqual({ users: 1, channelData: 0, preferenceSets: 0 });
  });

  it('rejects more than one set named "default" ("" and "default" are the same set)', async () => {
    const request = newUser({ preferences: [{ id: '' }, { id: 'default' }] });
    await expectViolations(api.identifyUser(request), [{ field: 'preferences[1].id', reason: 'DUPLICATE' }]);
    expect(await counts(mongo.db, request.userId)).toEqual({ users: 0, channelData: 0, preferenceSets: 0 });
  });
});
