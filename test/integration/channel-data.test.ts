/**
 * SetChannelData, GetChannelData and UnsetChannelData over gRPC.
 */
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { counts, defined, expectError, expectViolations, nest, newUser, uniqueId } from './fixtures.ts';
import { startTestService } from './harness.ts';

const { api, mongo } = await startTestService();

async function existingUser(): Promise<string> {
  const request = newUser();
  await api.identifyUser(request);
  return request.userId;
}

async function set(userId: string, channelId: string, data: Record<string, unknown>, expectedVersion?: string) {
  const response = await api.setChannelData({
    userId,
    channelId,
    data,
    ...(expectedVersion === undefined ? {} : { expectedVersion }),
  });
  return defined(response.channelData, 'channel_data');
}

describe('SetChannelData and GetChannelData', () => {
  it('store and return the data with a version and updated_at', async () => {
    const userId = await existingUser();
    const stored = await set(userId, 'apns-production', { tokens: ['abc', 'def'], sandbox: false, n: 1.5 });
    expect(stored).toMatchObject({ channelId: 'apns-production', data: { tokens: ['abc', 'def'], sandbox: false, n: 1.5 } });
    expect(stored.version).not.toBe('');
    expect(stored.updatedAt).toBeInstanceOf(Date);

    const got = await api.getChannelData({ userId, channelId: 'apns-production' });
    expect(got.channelData).toEqual(stored);
    const doc = await mongo.db.collection('channel_data').findOne({ userId, channelId: 'apns-production' });
    expect(doc).toMatchObject({ data: { tokens: ['abc', 'def'], sandbox: false, n: 1.5 }, v: stored.version });
  });

  it('replaces the whole data, never merging it', async () => {
    const userId = await existingUser();
    const first = await set(userId, 'slack', { connections: [{ user_id: 'U1' }], team: 'T1' });
    const second = await set(userId, 'slack', { connections: [{ user_id: 'U2' }] });
    expect(second.data).toEqual({ connections: [{ user_id: 'U2' }] });
    expect(second.version).not.toBe(first.version);
    expect((await api.getChannelData({ userId, channelId: 'slack' })).channelData?.data).toEqual({
      connections: [{ user_id: 'U2' }],
    });
    expect(await counts(mongo.db, userId)).toMatchObject({ channelData: 1 });
  });

  it('keeps channels apart and stores expression-like values as text', async () => {
    const userId = await existingUser();
    await set(userId, 'a:1', { v: '$v' });
    await set(userId, 'b.2', { v: { w: '$$NOW' } });
    expect((await api.getChannelData({ userId, channelId: 'a:1' })).channelData?.data).toEqual({ v: '$v' });
    expect((await api.getChannelData({ userId, channelId: 'b.2' })).channelData?.data).toEqual({ v: { w: '$$NOW' } });
  });

  it('fails NOT_FOUND USER_NOT_FOUND for a user that does not exist, writing nothing', async () => {
    const userId = uniqueId('ghost');
    const { details } = await expectError(
      api.setChannelData({ userId, channelId: 'apns', data: { tokens: ['x'] } }),
      status.NOT_FOUND,
      'USER_NOT_FOUND',
    );
    expect(details.errorInfo?.metadata).toEqual({ user_id: userId });
    expect(await counts(mongo.db, userId)).toEqual({ users: 0, channelData: 0, preferenceSets: 0 });
  });

  it('Get fails CHANNEL_DATA_NOT_FOUND for a missing channel, USER_NOT_FOUND for a missing user', async () => {
    const userId = await existingUser();
    const { details } = await expectError(
      api.getChannelData({ userId, channelId: 'never-set' }),
      status.NOT_FOUND,
      'CHANNEL_DATA_NOT_FOUND',
    );
    expect(details.errorInfo?.metadata).toEqual({ user_id: userId, channel_id: 'never-set' });

    const ghost = uniqueId('ghost');
    const missing = await expectError(api.getChannelData({ userId: ghost, channelId: 'x' }), status.NOT_FOUND, 'USER_NOT_FOUND');
    expect(missing.details.errorInfo?.metadata).toEqual({ user_id: ghost });
  });
});

describe('SetChannelData expected_version', () => {
  it('writes when it matches, fails ABORTED VERSION_MISMATCH when it does not', async () => {
    const userId = await existingUser();
    const first = await set(userId, 'sms', { n: 1 });
    const second = await set(userId, 'sms', { n: 2 }, first.version);
    expect(second.data).toEqual({ n: 2 });

    const { details } = await expectError(
      api.setChannelData({ userId, channelId: 'sms', data: { n: 3 }, expectedVersion: first.version }),
      status.ABORTED,
      'VERSION_MISMATCH',
    );
    expect(details.preconditionFailure?.violations).toEqual([
      expect.objectContaining({ type: 'VERSION', subject: `users/${userId}/channel_data/sms` }),
    ]);
    expect(details.errorInfo?.metadata).toMatchObject({ expected_version: first.version, actual_version: second.version });
    expect((await api.getChannelData({ userId, channelId: 'sms' })).channelData).toEqual(second);
  });

  it('fails ABORTED when nothing is stored for the channel, and stores nothing', async () => {
    const userId = await existingUser();
    const { details } = await expectError(
      api.setChannelData({ userId, channelId: 'fresh', data: { n: 1 }, expectedVersion: 'AAAAAAAAAAAA' }),
      status.ABORTED,
      'VERSION_MISMATCH',
    );
    expect(details.errorInfo?.metadata).not.toHaveProperty('actual_version');
    expect(await counts(mongo.db, userId)).toMatchObject({ channelData: 0 });
  });
});

describe('UnsetChannelData', () => {
  it('removes one channel and leaves the others', async () => {
    const userId = await existingUser();
    await set(userId, 'one', { n: 1 });
    await set(userId, 'two', { n: 2 });
    expect(await api.unsetChannelData({ userId, channelId: 'one' })).toEqual({});
    await expectError(api.getChannelData({ userId, channelId: 'one' }), status.NOT_FOUND, 'CHANNEL_DATA_NOT_FOUND');
    expect((await api.getChannelData({ userId, channelId: 'two' })).channelData?.data).toEqual({ n: 2 });
    expect(await counts(mongo.db, userId)).toMatchObject({ users: 1, channelData: 1 });
  });

  it('fails CHANNEL_DATA_NOT_FOUND when there is nothing to remove, USER_NOT_FOUND for a missing user', async () => {
    const userId = await existingUser();
    await set(userId, 'once', { n: 1 });
    await api.unsetChannelData({ userId, channelId: 'once' });
    const { details } = await expectError(
      api.unsetChannelData({ userId, channelId: 'once' }),
      status.NOT_FOUND,
      'CHANNEL_DATA_NOT_FOUND',
    );
    expect(details.errorInfo?.metadata).toEqual({ user_id: userId, channel_id: 'once' });
    await expectError(api.unsetChannelData({ userId: uniqueId('ghost'), channelId: 'once' }), status.NOT_FOUND, 'USER_NOT_FOUND');
  });
});

describe('channel data validation', () => {
  it('rejects bad channel ids on Set, Get and Unset', async () => {
    const userId = await existingUser();
    const cases = [
      ['', 'REQUIRED'],
      ['has space', 'INVALID_CHARACTERS'],
      ['slash/no', 'INVALID_CHARACTERS'],
      ['c'.repeat(129), 'TOO_LONG'],
    ] as const;
    for (const [channelId, reason] of cases) {
      const expected = [{ field: 'channel_id', reason }];
      await expectViolations(api.setChannelData({ userId, channelId, data: { n: 1 } }), expected);
      await expectViolations(api.getChannelData({ userId, channelId }), expected);
      await expectViolations(api.unsetChannelData({ userId, channelId }), expected);
    }
    await set(userId, 'c'.repeat(128), { n: 1 });
    expect(await counts(mongo.db, userId)).toMatchObject({ channelData: 1 });
  });

  it('requires data, and checks its keys, depth and size, listing every problem at once', async () => {
    const userId = await existingUser();
    await expectViolations(api.setChannelData({ userId, channelId: 'apns' }), [{ field: 'data', reason: 'REQUIRED' }]);
    await expectViolations(
      api.setChannelData({ userId: '', channelId: 'bad id', data: { $bad: 1, 'x.y': 2, deep: nest(12) } }),
      [
        { field: 'user_id', reason: 'REQUIRED' },
        { field: 'channel_id', reason: 'INVALID_CHARACTERS' },
        { field: 'data["$bad"]', reason: 'INVALID_KEY' },
        { field: 'data["x.y"]', reason: 'INVALID_KEY' },
        { field: expect.stringMatching(/^data\.deep(\.a)+$/), reason: 'TOO_DEEP' },
      ],
    );
    await expectViolations(api.setChannelData({ userId, channelId: 'apns', data: { blob: 'x'.repeat(17 * 1024) } }), [
      { field: 'data', reason: 'TOO_LARGE' },
    ]);
    await expectViolations(api.setChannelData({ userId, channelId: 'apns', data: { n: 1 }, expectedVersion: '' }), [
      { field: 'expected_version', reason: 'INVALID_TOKEN' },
    ]);
    expect(await counts(mongo.db, userId)).toMatchObject({ channelData: 0 });
  });

  it('accepts an empty object as data', async () => {
    const userId = await existingUser();
    expect((await set(userId, 'empty', {})).data).toEqual({});
  });
});
