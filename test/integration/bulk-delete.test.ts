/**
 * BulkDeleteUsers: up to 1000 users in one transaction, each with their
 * channel data and preference sets; ids that name nobody are reported as
 * missing, and a bad request deletes nothing.
 */
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { counts, expectError, newUser, uniqueId } from './fixtures.ts';
import { startTestService } from './harness.ts';

const { api, mongo } = await startTestService();

/** A user with two channels and two preference sets. */
async function userWithChildren(): Promise<string> {
  const request = newUser({
    channelData: [
      { channelId: 'push', data: { tokens: ['t'] } },
      { channelId: 'slack', data: { channel: 'C1' } },
    ],
    preferences: [{ id: 'default' }, { id: 'digest' }],
  });
  await api.identifyUser(request);
  return request.userId;
}

describe('BulkDeleteUsers', () => {
  it('deletes the users that exist with all their children, and lists the missing ids, each in request order', async () => {
    const [a, b, c] = [await userWithChildren(), await userWithChildren(), await userWithChildren()];
    const [ghost1, ghost2] = [uniqueId('ghost'), uniqueId('ghost')];
    const survivor = await userWithChildren();

    const reply = await api.bulkDeleteUsers({ userIds: [c, ghost1, a, ghost2, b] });
    expect(reply.deletedUserIds).toEqual([c, a, b]);
    expect(reply.missingUserIds).toEqual([ghost1, ghost2]);
    for (const id of [a, b, c]) {
      expect(await counts(mongo.db, id)).toEqual({ users: 0, channelData: 0, preferenceSets: 0 });
    }
    expect(await counts(mongo.db, survivor)).toEqual({ users: 1, channelData: 2, preferenceSets: 2 });

    // Again: everything is missing now, and that is not an error.
    expect(await api.bulkDeleteUsers({ userIds: [a, b] })).toEqual({ deletedUserIds: [], missingUserIds: [a, b] });
  });

  it('takes 1000 ids in one call', async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `bulk-${i}-${uniqueId()}`);
    for (const id of ids.slice(0, 10)) await api.identifyUser(newUser({ userId: id }));
    const reply = await api.bulkDeleteUsers({ userIds: ids });
    expect(reply.deletedUserIds).toEqual(ids.slice(0, 10));
    expect(reply.missingUserIds).toEqual(ids.slice(10));
  });

  it('refuses no ids, 1001 ids, a bad id or a repeated one, and deletes nothing', async () => {
    const keep = await userWithChildren();
    const cases: [string[], string, string][] = [
      [[], 'user_ids', 'REQUIRED'],
      [[keep, ...Array.from({ length: 1000 }, (_, i) => `x${i}`)], 'user_ids', 'TOO_MANY'],
      [[keep, ''], 'user_ids[1]', 'REQUIRED'],
      [[keep, 'bad\u0000id'], 'user_ids[1]', 'INVALID_CHARACTERS'],
      [[keep, 'other', keep], 'user_ids[2]', 'DUPLICATE'],
    ];
    for (const [userIds, field, reason] of cases) {
      const { details } = await expectError(api.bulkDeleteUsers({ userIds }), status.INVALID_ARGUMENT, 'INVALID_ARGUMENT');
      expect(details.badRequest?.fieldViolations.map((v) => [v.field, v.reason])).toEqual([[field, reason]]);
    }
    expect(await counts(mongo.db, keep)).toEqual({ users: 1, channelData: 2, preferenceSets: 2 });
  });
});
