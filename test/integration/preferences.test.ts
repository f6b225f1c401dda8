/**
 * SetPreferences, GetPreferences and ListPreferences over gRPC.
 */
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { DeepPartial, PreferenceSet } from '../../src/gen/herald/users/v1/preferences.js';
import { counts, defined, expectError, expectViolations, newUser, uniqueId } from './fixtures.ts';
import { startTestService } from './harness.ts';

const { api, mongo } = await startTestService();

async function existingUser(): Promise<string> {
  const request = newUser();
  await api.identifyUser(request);
  return request.userId;
}

async function setPreferences(userId: string, preferenceSet: DeepPartial<PreferenceSet>, expectedVersion?: string) {
  const response = await api.setPreferences({
    userId,
    preferenceSet,
    ...(expectedVersion === undefined ? {} : { expectedVersion }),
  });
  return defined(response.preferenceSet, 'preference_set');
}

/** A set using every feature: channel types, workflows and categories with and without `enabled`. */
const FULL_SET = {
  id: 'tenant-acme',
  channelTypes: { email: true, sms: false, push: true, chat: false, in_app_feed: true, http: false },
  workflows: {
    'new-comment': { enabled: false, channelTypes: { email: true } },
    digest: { enabled: true, channelTypes: {} },
    'only-overrides': { channelTypes: { push: false, in_app_feed: true } },
  },
  categories: {
    marketing: { enabled: false, channelTypes: {} },
    'billing.invoices': { channelTypes: { sms: true } },
  },
};

describe('SetPreferences and GetPreferences', () => {
  it('round-trip channel types, workflows and categories, enabled and per-channel-type overrides', async () => {
    const userId = await existingUser();
    const stored = await setPreferences(userId, FULL_SET);
    expect(stored).toMatchObject(FULL_SET);
    // `enabled` left out stays unset: it is not turned into false or true.
    expect(stored.workflows['only-overrides']?.enabled).toBeUndefined();
    expect(stored.version).not.toBe('');
    expect(stored.updatedAt).toBeInstanceOf(Date);

    const got = await api.getPreferences({ userId, preferenceSetId: 'tenant-acme' });
    expect(got.preferenceSet).toEqual(stored);
    expect(await mongo.db.collection('preference_sets').findOne({ userId, setId: 'tenant-acme' })).toMatchObject({
      channelTypes: FULL_SET.channelTypes,
      v: stored.version,
    });
  });

  it('names a set with an empty id "default", on Set and on Get', async () => {
    const userId = await existingUser();
    const stored = await setPreferences(userId, { id: '', channelTypes: { sms: false } });
    expect(stored.id).toBe('default');
    expect((await api.getPreferences({ userId })).preferenceSet).toEqual(stored);
    expect((await api.getPreferences({ userId, preferenceSetId: 'default' })).preferenceSet).toEqual(stored);
    expect(await mongo.db.collection('preference_sets').countDocuments({ userId, setId: 'default' })).toBe(1);
  });

  it('replaces the whole set; updated_at and version sent by the caller are ignored', async () => {
    const userId = await existingUser();
    const first = await setPreferences(userId, FULL_SET);
    const second = await setPreferences(userId, {
      id: 'tenant-acme',
      workflows: { digest: { enabled: false } },
      version: 'caller-made-up',
      updatedAt: new Date('2001-01-01T00:00:00Z'),
    });
    expect(second).toMatchObject({ channelTypes: {}, categories: {}, workflows: { digest: { enabled: false, channelTypes: {} } } });
    expect(second.version).not.toBe(first.version);
    expect(second.version).not.toBe('caller-made-up');
    expect(defined(second.updatedAt).getTime()).toBeGreaterThanOrEqual(defined(first.updatedAt).getTime());
    expect(await counts(mongo.db, userId)).toMatchObject({ preferenceSets: 1 });
  });

  it('Get fails PREFERENCE_SET_NOT_FOUND for a missing set, USER_NOT_FOUND for a missing user', async () => {
    const userId = await existingUser();
    const { details } = await expectError(
      api.getPreferences({ userId, preferenceSetId: 'nope' }),
      status.NOT_FOUND,
      'PREFERENCE_SET_NOT_FOUND',
    );
    expect(details.errorInfo?.metadata).toEqual({ user_id: userId, preference_set_id: 'nope' });
    await expectError(api.getPreferences({ userId }), status.NOT_FOUND, 'PREFERENCE_SET_NOT_FOUND');
    await expectError(api.getPreferences({ userId: uniqueId('ghost') }), status.NOT_FOUND, 'USER_NOT_FOUND');
  });

  it('Set fails USER_NOT_FOUND for a missing user and writes nothing', async () => {
    const ghost = uniqueId('ghost');
    await expectError(api.setPreferences({ userId: ghost, preferenceSet: FULL_SET }), status.NOT_FOUND, 'USER_NOT_FOUND');
    expect(await counts(mongo.db, ghost)).toEqual({ users: 0, channelData: 0, preferenceSets: 0 });
  });
});

describe('ListPreferences', () => {
  it('returns every set of the user in ascending id order', async () => {
    const userId = await existingUser();
    const other = await existingUser();
    for (const id of ['zeta', 'Alpha', '', 'beta.2', 'beta-1']) await setPreferences(userId, { id });
    await setPreferences(other, { id: 'other-user-set' });
    const { preferenceSets } = await api.listPreferences({ userId });
    expect(preferenceSets.map((s) => s.id)).toEqual(['Alpha', 'beta-1', 'beta.2', 'default', 'zeta']);
  });

  it('returns an empty list for a user without sets, NOT_FOUND for a missing user', async () => {
    const userId = await existingUser();
    expect(await api.listPreferences({ userId })).toEqual({ preferenceSets: [] });
    const ghost = uniqueId('ghost');
    const { details } = await expectError(api.listPreferences({ userId: ghost }), status.NOT_FOUND, 'USER_NOT_FOUND');
    expect(details.errorInfo?.metadata).toEqual({ user_id: ghost });
  });
});

describe('SetPreferences expected_version', () => {
  it('writes when it matches, fails ABORTED VERSION_MISMATCH when it does not', async () => {
    const userId = await existingUser();
    const first = await setPreferences(userId, { id: 'v' });
    const second = await setPreferences(userId, { id: 'v', channelTypes: { chat: false } }, first.version);
    const { details } = await expectError(
      api.setPreferences({ userId, preferenceSet: { id: 'v' }, expectedVersion: first.version }),
      status.ABORTED,
      'VERSION_MISMATCH',
    );
    expect(details.preconditionFailure?.violations).toEqual([
      expect.objectContaining({ type: 'VERSION', subject: `users/${userId}/preferences/v` }),
    ]);
    expect((await api.getPreferences({ userId, preferenceSetId: 'v' })).preferenceSet).toEqual(second);
  });

  it('fails ABORTED when no such set is stored, and stores nothing', async () => {
    const userId = await existingUser();
    await expectError(
      api.setPreferences({ userId, preferenceSet: { id: 'new' }, expectedVersion: 'AAAAAAAAAAAA' }),
      status.ABORTED,
      'VERSION_MISMATCH',
    );
    expect(await counts(mongo.db, userId)).toMatchObject({ preferenceSets: 0 });
  });
});

describe('preferences validation', () => {
  it('names each unknown channel type by its precise path, and writes nothing', async () => {
    const userId = await existingUser();
    await expectViolations(
      api.setPreferences({
        userId,
        preferenceSet: {
          id: 'default',
          channelTypes: { fax: false, email: true },
          workflows: { 'new-comment': { channelTypes: { pager: true, sms: false } } },
          categories: { 'bad key!': { enabled: true }, ok: { channelTypes: { Email: false } } },
        },
      }),
      [
        { field: 'preference_set.channel_types["fax"]', reason: 'UNKNOWN_CHANNEL_TYPE' },
        { field: 'preference_set.workflows["new-comment"].channel_types["pager"]', reason: 'UNKNOWN_CHANNEL_TYPE' },
        { field: 'preference_set.categories["bad key!"]', reason: 'INVALID_KEY' },
        { field: 'preference_set.categories["ok"].channel_types["Email"]', reason: 'UNKNOWN_CHANNEL_TYPE' },
      ],
    );
    expect(await counts(mongo.db, userId)).toMatchObject({ preferenceSets: 0 });
  });

  it('rejects a missing set, a bad set id and a bad preference_set_id', async () => {
    const userId = await existingUser();
    await expectViolations(api.setPreferences({ userId }), [{ field: 'preference_set', reason: 'REQUIRED' }]);
    await expectViolations(api.setPreferences({ userId, preferenceSet: { id: 'no spaces' } }), [
      { field: 'preference_set.id', reason: 'INVALID_CHARACTERS' },
    ]);
    await expectViolations(api.getPreferences({ userId, preferenceSetId: 'x'.repeat(129) }), [
      { field: 'preference_set_id', reason: 'TOO_LONG' },
    ]);
    await expectViolations(api.listPreferences({ userId: '' }), [{ field: 'user_id', reason: 'REQUIRED' }]);
    expect(await counts(mongo.db, userId)).toMatchObject({ preferenceSets: 0 });
  });
});
