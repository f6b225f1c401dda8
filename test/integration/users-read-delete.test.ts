/**
 * GetUser and DeleteUser over gRPC: NOT_FOUND details, and a delete that
 * takes the user's channel data and preference sets with it.
 */
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { counts, defined, expectError, expectViolations, newUser, storedUser } from './fixtures.ts';
import { startTestService } from './harness.ts';

const { api, mongo } = await startTestService();

/** Every id ListUsers returns, following the pages. */
async function listedIds(): Promise<string[]> {
  const ids: string[] = [];
  let pageToken = '';
  do {
    const page = await api.listUsers({ pageSize: 100, pageToken });
    ids.push(...page.users.map((u) => u.id));
    pageToken = page.nextPageToken;
  } while (pageToken !== '');
  return ids;
}

/** A user with two channels and two preference sets. */
async function userWithChildren() {
  const request = newUser({
    channelData: [
      { channelId: 'apns', data: { tokens: ['a'] } },
      { channelId: 'slack', data: { channel: 'C1' } },
    ],
    preferences: [{ id: '' }, { id: 'tenant-b', channelTypes: { email: false } }],
  });
  const { user } = await api.identifyUser(request);
  expect(await counts(mongo.db, request.userId)).toEqual({ users: 1, channelData: 2, preferenceSets: 2 });
  return { request, user: defined(user) };
}

describe('GetUser', () => {
  it('returns the stored user', async () => {
    const { user } = await userWithChildren();
    expect((await api.getUser({ userId: user.id })).user).toEqual(user);
  });

  it('fails NOT_FOUND USER_NOT_FOUND with the user_id in the metadata', async () => {
    const { error, details } = await expectError(api.getUser({ userId: 'nobody-here' }), status.NOT_FOUND, 'USER_NOT_FOUND');
    expect(details.errorInfo?.metadata).toEqual({ user_id: 'nobody-here' });
    expect(error.details).toContain('nobody-here');
  });

  it('looks ids up exactly: no trimming, no case folding', async () => {
    const { user } = await userWithChildren();
    await expectError(api.getUser({ userId: ` ${user.id}` }), status.NOT_FOUND, 'USER_NOT_FOUND');
    await expectError(api.getUser({ userId: user.id.toUpperCase() }), status.NOT_FOUND, 'USER_NOT_FOUND');
  });

  it('rejects an empty user_id', async () => {
    await expectViolations(api.getUser({ userId: '' }), [{ field: 'user_id', reason: 'REQUIRED' }]);
  });
});

describe('DeleteUser', () => {
  it('removes the user with all their channel data and preference sets, and no one else', async () => {
    const { request } = await userWithChildren();
    const bystander = await userWithChildren();

    expect(await api.deleteUser({ userId: request.userId })).toEqual({});
    expect(await counts(mongo.db, request.userId)).toEqual({ users: 0, channelData: 0, preferenceSets: 0 });
    expect(await counts(mongo.db, bystander.request.userId)).toEqual({ users: 1, channelData: 2, preferenceSets: 2 });

    await expectError(api.getUser({ userId: request.userId }), status.NOT_FOUND, 'USER_NOT_FOUND');
    await expectError(
      api.getChannelData({ userId: request.userId, channelId: 'apns' }),
      status.NOT_FOUND,
      'USER_NOT_FOUND',
    );
    await expectError(api.listPreferences({ userId: request.userId }), status.NOT_FOUND, 'USER_NOT_FOUND');
  });

  it('a second delete fails NOT_FOUND USER_NOT_FOUND', async () => {
    const { request } = await userWithChildren();
    await api.deleteUser({ userId: request.userId });
    const { details } = await expectError(api.deleteUser({ userId: request.userId }), status.NOT_FOUND, 'USER_NOT_FOUND');
    expect(details.errorInfo?.metadata).toEqual({ user_id: request.userId });
  });

  it('a deleted user is gone from the list', async () => {
    const { request } = await userWithChildren();
    expect(await listedIds()).toContain(request.userId);
    await api.deleteUser({ userId: request.userId });
    const ids = await listedIds();
    expect(ids).not.toContain(request.userId);
    expect(ids).toHaveLength(await mongo.db.collection('users').countDocuments());
  });

  it('a deleted user can be identified again as new, with a new version and nothing of the old', async () => {
    const { request, user: old } = await userWithChildren();
    await api.deleteUser({ userId: request.userId });

    const again = await api.identifyUser({ userId: request.userId, name: 'Second life', email: 'second@example.com' });
    expect(again.created).toBe(true);
    const user = defined(again.user);
    expect(user.version).not.toBe(old.version);
    expect(user.properties).toEqual({});
    expect(user.createdAt?.getTime()).toBeGreaterThanOrEqual(defined(old.createdAt).getTime());
    expect(user.createdAt).toEqual(user.updatedAt);
    expect(await counts(mongo.db, request.userId)).toEqual({ users: 1, channelData: 0, preferenceSets: 0 });
    await expectError(
      api.getChannelData({ userId: request.userId, channelId: 'apns' }),
      status.NOT_FOUND,
      'CHANNEL_DATA_NOT_FOUND',
    );
    expect((await api.listPreferences({ userId: request.userId })).preferenceSets).toEqual([]);

    // The old version is not accepted for the new user.
    await expectError(
      api.identifyUser({ userId: request.userId, name: 'x', expectedVersion: old.version }),
      status.ABORTED,
      'VERSION_MISMATCH',
    );
    expect(await storedUser(mongo.db, request.userId)).toMatchObject({ name: 'Second life' });
  });

  it('rejects an empty user_id and deletes nothing', async () => {
    const before = await counts(mongo.db);
    await expectViolations(api.deleteUser({ userId: '' }), [{ field: 'user_id', reason: 'REQUIRED' }]);
    expect(await counts(mongo.db)).toEqual(before);
  });
});
