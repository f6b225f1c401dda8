/**
 * IdentifyUser over gRPC: creating, updating, clearing, traits and
 * conditional writes, checked in the responses and in what MongoDB holds.
 */
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { TraitMode } from '../../src/gen/herald/users/v1/users_service.js';
import { counts, defined, expectError, expectViolations, newUser, storedUser } from './fixtures.ts';
import { startTestService } from './harness.ts';

const { api, mongo } = await startTestService();

async function identify(request: Parameters<typeof api.identifyUser>[0]) {
  const response = await api.identifyUser(request);
  return { user: defined(response.user, 'user'), created: response.created };
}

describe('IdentifyUser creates', () => {
  it('a new user with every field stored, created_at equal to updated_at', async () => {
    const request = newUser({
      name: 'Grace Hopper',
      avatar: 'https://cdn.example.com/grace.png',
      phoneNumber: '+14155550123',
      timezone: 'America/New_York',
      locale: 'en-US',
      properties: { plan: 'pro', seats: 3, flags: { beta: true }, tags: ['a', 'b'] },
    });
    const { user, created } = await identify(request);

    expect(created).toBe(true);
    expect(user).toMatchObject({
      id: request.userId,
      name: 'Grace Hopper',
      email: request.email,
      avatar: 'https://cdn.example.com/grace.png',
      phoneNumber: '+14155550123',
      timezone: 'America/New_York',
      locale: 'en-US',
      properties: { plan: 'pro', seats: 3, flags: { beta: true }, tags: ['a', 'b'] },
    });
    expect(user.version).not.toBe('');
    expect(defined(user.createdAt).getTime()).toBe(defined(user.updatedAt).getTime());

    const doc = await storedUser(mongo.db, request.userId);
    expect(doc).toMatchObject({
      _id: request.userId,
      name: 'Grace Hopper',
      email: request.email,
      phoneNumber: '+14155550123',
      properties: { plan: 'pro', seats: 3, flags: { beta: true }, tags: ['a', 'b'] },
      createdAt: user.createdAt,
      updatedAt: user.updatedAt,
    });
    expect(await api.getUser({ userId: request.userId })).toEqual({ user });
  });

  it('with empty properties when none are sent', async () => {
    const { user } = await identify(newUser());
    expect(user.properties).toEqual({});
  });

  it("keeps the caller's created_at, on creation and on later writes", async () => {
    const createdAt = new Date('2020-01-02T03:04:05.678Z');
    const request = newUser({ createdAt });
    const first = await identify(request);
    expect(first.created).toBe(true);
    expect(first.user.createdAt).toEqual(createdAt);
    expect(defined(first.user.updatedAt).getTime()).toBeGreaterThan(createdAt.getTime());

    const second = await identify({ userId: request.userId, name: 'Renamed' });
    expect(second.user.createdAt).toEqual(createdAt);
    expect((await storedUser(mongo.db, request.userId))?.['createdAt']).toEqual(createdAt);
  });

  it('stores the canonical locale, the lower-cased email domain and the canonical time zone case', async () => {
    const request = newUser({ email: 'Ada.L@Example.COM', locale: 'EN-us', timezone: 'europe/paris' });
    const { user } = await identify(request);
    expect(user).toMatchObject({ email: 'Ada.L@example.com', locale: 'en-US', timezone: 'Europe/Paris' });
    expect(await storedUser(mongo.db, request.userId)).toMatchObject({
      email: 'Ada.L@example.com',
      locale: 'en-US',
      timezone: 'Europe/Paris',
    });
  });
});

describe('IdentifyUser updates', () => {
  it('only the fields sent; the rest, the id and created_at stay', async () => {
    const request = newUser({ avatar: 'https://example.com/a.png', timezone: 'UTC', properties: { plan: 'free' } });
    const first = await identify(request);

    const second = await identify({ userId: request.userId, phoneNumber: '+447700900123' });
    expect(second.created).toBe(false);
    expect(second.user).toMatchObject({
      id: request.userId,
      name: request.name,
      email: request.email,
      avatar: 'https://example.com/a.png',
      timezone: 'UTC',
      phoneNumber: '+447700900123',
      properties: { plan: 'free' },
      createdAt: first.user.createdAt,
    });
    expect(second.user.version).not.toBe(first.user.version);
    expect(defined(second.user.updatedAt).getTime()).toBeGreaterThanOrEqual(defined(first.user.updatedAt).getTime());
    expect(await counts(mongo.db, request.userId)).toMatchObject({ users: 1 });
  });

  it('clears avatar, phone_number, timezone and locale given as ""', async () => {
    const request = newUser({
      avatar: 'https://example.com/a.png',
      phoneNumber: '+14155550123',
      timezone: 'Asia/Tokyo',
      locale: 'ja-JP',
    });
    await identify(request);
    const { user } = await identify({ userId: request.userId, avatar: '', phoneNumber: '', timezone: '', locale: '' });

    for (const field of ['avatar', 'phoneNumber', 'timezone', 'locale'] as const) expect(user[field]).toBeUndefined();
    expect(user).toMatchObject({ name: request.name, email: request.email });
    const doc = defined(await storedUser(mongo.db, request.userId) ?? undefined, 'stored user');
    for (const field of ['avatar', 'phoneNumber', 'timezone', 'locale']) expect(doc).not.toHaveProperty(field);
  });

  it('changes the version on every write, even one that changes no field', async () => {
    const request = newUser();
    const versions = [(await identify(request)).user.version];
    for (let i = 0; i < 3; i += 1) versions.push((await identify({ userId: request.userId })).user.version);
    expect(new Set(versions).size).toBe(versions.length);
    expect((await storedUser(mongo.db, request.userId))?.['v']).toBe(versions.at(-1));
  });
});

describe('IdentifyUser traits', () => {
  it('merge per top-level key: nested objects are replaced whole, other keys stay', async () => {
    const request = newUser({ properties: { plan: 'free', prefs: { a: 1, b: 2 }, keep: true } });
    await identify(request);
    const merged = await identify({
      userId: request.userId,
      traitMode: TraitMode.TRAIT_MODE_MERGE,
      properties: { plan: 'pro', prefs: { c: 3 } },
    });
    expect(merged.user.properties).toEqual({ plan: 'pro', prefs: { c: 3 }, keep: true });

    // Unspecified is the same as MERGE.
    const unspecified = await identify({ userId: request.userId, properties: { extra: null } });
    expect(unspecified.user.properties).toEqual({ plan: 'pro', prefs: { c: 3 }, keep: true, extra: null });
    expect((await storedUser(mongo.db, request.userId))?.['properties']).toEqual(unspecified.user.properties);
  });

  it('replace: the properties become exactly what was sent, empty when none', async () => {
    const request = newUser({ properties: { a: 1, b: { c: 2 } } });
    await identify(request);
    const replaced = await identify({
      userId: request.userId,
      traitMode: TraitMode.TRAIT_MODE_REPLACE,
      properties: { b: { d: 4 } },
    });
    expect(replaced.user.properties).toEqual({ b: { d: 4 } });

    const emptied = await identify({ userId: request.userId, traitMode: TraitMode.TRAIT_MODE_REPLACE });
    expect(emptied.user.properties).toEqual({});
    expect((await storedUser(mongo.db, request.userId))?.['properties']).toEqual({});
  });

  it('unset_properties removes the keys named, and only them', async () => {
    const request = newUser({ properties: { a: 1, b: 2, c: { d: 3 } } });
    await identify(request);
    const { user } = await identify({
      userId: request.userId,
      properties: { e: 5 },
      unsetProperties: ['a', 'c', 'never-set'],
    });
    expect(user.properties).toEqual({ b: 2, e: 5 });
    expect((await storedUser(mongo.db, request.userId))?.['properties']).toEqual({ b: 2, e: 5 });
  });

  it('stores values that look like MongoDB expressions as text', async () => {
    const properties = { name: '$name', now: { a: '$$NOW' }, list: ['$$ROOT', { b: '$literal' }], op: '$concat' };
    const request = newUser({ properties });
    const { user } = await identify(request);
    expect(user.properties).toEqual(properties);
    expect((await storedUser(mongo.db, request.userId))?.['properties']).toEqual(properties);

    // The same through the merge path of an existing user.
    const merged = await identify({ userId: request.userId, properties: { name: '$email', now: '$$CLUSTER_TIME' } });
    expect(merged.user.properties).toEqual({ ...properties, name: '$email', now: '$$CLUSTER_TIME' });
  });
});

describe('IdentifyUser expected_version', () => {
  it('writes when it matches the stored version', async () => {
    const request = newUser();
    const first = await identify(request);
    const second = await identify({ userId: request.userId, name: 'Matched', expectedVersion: first.user.version });
    expect(second.created).toBe(false);
    expect(second.user.name).toBe('Matched');
    expect(second.user.version).not.toBe(first.user.version);
  });

  it('fails ABORTED VERSION_MISMATCH when it does not match, and writes nothing', async () => {
    const request = newUser();
    const first = await identify(request);
    await identify({ userId: request.userId, name: 'Moved on' });
    const before = await storedUser(mongo.db, request.userId);

    const { details } = await expectError(
      api.identifyUser({ userId: request.userId, name: 'Stale', expectedVersion: first.user.version }),
      status.ABORTED,
      'VERSION_MISMATCH',
    );
    const violations = defined(details.preconditionFailure, 'PreconditionFailure').violations;
    expect(violations).toEqual([
      { type: 'VERSION', subject: `users/${request.userId}`, description: expect.stringContaining(first.user.version) },
    ]);
    expect(details.errorInfo?.metadata).toMatchObject({ expected_version: first.user.version, actual_version: before?.['v'] });
    expect(await storedUser(mongo.db, request.userId)).toEqual(before);
  });

  it('fails ABORTED for a user that does not exist, even with name and email, and creates nothing', async () => {
    const request = newUser({ expectedVersion: 'AAAAAAAAAAAA' });
    const { details } = await expectError(api.identifyUser(request), status.ABORTED, 'VERSION_MISMATCH');
    expect(details.preconditionFailure?.violations).toHaveLength(1);
    expect(await counts(mongo.db, request.userId)).toEqual({ users: 0, channelData: 0, preferenceSets: 0 });
  });
});

describe('IdentifyUser of a new user without name or email', () => {
  it('fails INVALID_ARGUMENT with one violation per missing field and writes nothing', async () => {
    const request = newUser({
      channelData: [{ channelId: 'apns', data: { tokens: ['t1'] } }],
      preferences: [{ id: '', channelTypes: { sms: false } }],
      properties: { plan: 'pro' },
    });
    const { userId } = request;
    await expectViolations(api.identifyUser({ ...request, name: undefined, email: undefined }), [
      { field: 'name', reason: 'REQUIRED' },
      { field: 'email', reason: 'REQUIRED' },
    ]);
    await expectViolations(api.identifyUser({ ...request, email: undefined }), [{ field: 'email', reason: 'REQUIRED' }]);
    await expectViolations(api.identifyUser({ ...request, name: undefined }), [{ field: 'name', reason: 'REQUIRED' }]);
    expect(await counts(mongo.db, userId)).toEqual({ users: 0, channelData: 0, preferenceSets: 0 });
  });
});

describe('IdentifyUser with inline channel data and preferences', () => {
  it('stores them with the user', async () => {
    const request = newUser({
      channelData: [
        { channelId: 'apns-production', data: { tokens: ['abc'] } },
        { channelId: 'slack', data: { connections: [{ user_id: 'U1' }] } },
      ],
      preferences: [
        { id: '', channelTypes: { sms: false } },
        { id: 'tenant-a', workflows: { digest: { enabled: false } } },
      ],
    });
    const { created } = await identify(request);
    expect(created).toBe(true);
    expect(await counts(mongo.db, request.userId)).toEqual({ users: 1, channelData: 2, preferenceSets: 2 });

    const push = await api.getChannelData({ userId: request.userId, channelId: 'apns-production' });
    expect(push.channelData).toMatchObject({ channelId: 'apns-production', data: { tokens: ['abc'] } });
    const sets = await api.listPreferences({ userId: request.userId });
    expect(sets.preferenceSets.map((s) => s.id)).toEqual(['default', 'tenant-a']);
    expect(sets.preferenceSets[0]?.channelTypes).toEqual({ sms: false });
    expect(sets.preferenceSets[1]?.workflows).toEqual({ digest: { enabled: false, channelTypes: {} } });

    // A later identify replaces the data of the channels it names and leaves the others.
    await identify({ userId: request.userId, channelData: [{ channelId: 'slack', data: { connections: [] } }] });
    const slack = await api.getChannelData({ userId: request.userId, channelId: 'slack' });
    expect(slack.channelData?.data).toEqual({ connections: [] });
    expect(await counts(mongo.db, request.userId)).toEqual({ users: 1, channelData: 2, preferenceSets: 2 });
  });
});
