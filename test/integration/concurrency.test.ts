/**
 * Concurrent calls on the same records: upserts that race, child writes that
 * race a delete. Outcomes are checked, not timings.
 */
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { counts, defined, newUser } from './fixtures.ts';
import { startTestService } from './harness.ts';

const { api, mongo } = await startTestService();

describe('concurrent calls', () => {
  it('identifies of one new user at once all succeed, and exactly one creates it', async () => {
    const base = newUser();
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => api.identifyUser({ ...base, properties: { [`k${i}`]: i } })),
    );
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    expect(failures).toEqual([]);
    const responses = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(responses.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(responses.map((r) => defined(r.user).version)).size).toBe(8);

    // Every merge landed: each call's key is there.
    const stored = defined((await api.getUser({ userId: base.userId })).user);
    expect(Object.keys(stored.properties ?? {}).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `k${i}`).sort());
    expect(await counts(mongo.db, base.userId)).toMatchObject({ users: 1 });
  });

  it('forty identifies of one user at once: each is stored or ABORTED / WRITE_CONFLICT, none lost, none INTERNAL', async () => {
    const base = newUser();
    await api.identifyUser(base);
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => api.identifyUser({ userId: base.userId, properties: { [`k${i}`]: i } })),
    );
    const stored: string[] = [];
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') stored.push(`k${i}`);
      else expect(result.reason).toMatchObject({ code: status.ABORTED, details: expect.stringMatching(/concurrent write/) });
    });
    // Exactly the calls that answered OK left their trait: no update was lost or half-applied.
    const user = defined((await api.getUser({ userId: base.userId })).user);
    expect(Object.keys(user.properties ?? {}).sort()).toEqual(stored.sort());
  });

  it('writes to one channel at once all succeed and leave one record holding one of them', async () => {
    const user = newUser();
    await api.identifyUser(user);
    const writes = Array.from({ length: 6 }, (_, n) => ({ n }));
    const results = await Promise.allSettled(
      writes.map((data) => api.setChannelData({ userId: user.userId, channelId: 'push', data })),
    );
    expect(results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []))).toEqual([]);
    expect(await counts(mongo.db, user.userId)).toMatchObject({ channelData: 1 });
    const stored = defined((await api.getChannelData({ userId: user.userId, channelId: 'push' })).channelData);
    expect(writes).toContainEqual(stored.data);
  });

  it('a delete racing channel data and preference writes leaves no orphan', async () => {
    const user = newUser();
    await api.identifyUser(user);
    const children = Array.from({ length: 6 }, (_, i) =>
      i % 2 === 0
        ? api.setChannelData({ userId: user.userId, channelId: `c${i}`, data: { i } })
        : api.setPreferences({ userId: user.userId, preferenceSet: { id: `p${i}` } }),
    );
    const results = await Promise.allSettled([api.deleteUser({ userId: user.userId }), ...children]);
    expect(results[0]?.status).toBe('fulfilled');
    // Each child write either happened before the delete (and was deleted
    // with the user) or found no user; either way nothing is left.
    for (const result of results.slice(1)) {
      if (result.status === 'rejected') expect((result.reason as { code?: number }).code).toBe(status.NOT_FOUND);
    }
    expect(await counts(mongo.db, user.userId)).toEqual({ users: 0, channelData: 0, preferenceSets: 0 });
  });
});
