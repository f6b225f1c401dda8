/**
 * MergeUsers at the user level, through the real server: the deep merge of
 * properties, the shallow merge of channel data and preference sets, the
 * secondary's deletion, the dry run, the errors that change nothing, and
 * identify calls racing a merge on both users.
 */
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { TraitMode } from '../../src/gen/herald/users/v1/users_service.js';
import { counts, defined, expectError, expectViolations, newUser, uniqueId } from './fixtures.ts';
import { startTestService } from './harness.ts';

const { api, mongo } = await startTestService();

/** Every stored document of the users' collections and of the merge records, for "nothing changed". */
async function snapshot(): Promise<string> {
  const names = ['users', 'channel_data', 'preference_sets', 'merges'];
  const all = await Promise.all(names.map((name) => mongo.db.collection(name).find({}).sort({ _id: 1 }).toArray()));
  return JSON.stringify(all);
}

async function twoUsers(): Promise<{ primary: string; secondary: string }> {
  const primary = uniqueId('primary');
  const secondary = uniqueId('secondary');
  await api.identifyUser(
    newUser({
      userId: primary,
      name: 'Primary',
      properties: { plan: 'pro', address: { city: 'Paris', geo: { lat: 48.8 } }, tags: ['a'], seats: 3 },
      channelData: [{ channelId: 'push', data: { tokens: ['p-token'] } }],
      preferences: [{ id: 'default', channelTypes: { email: true } }],
    }),
  );
  await api.identifyUser(
    newUser({
      userId: secondary,
      name: 'Secondary',
      properties: { plan: 'free', address: { city: 'Lyon', zip: '69000', geo: { lon: 4.8 } }, tags: ['b', 'c'], invitedBy: 'x' },
      channelData: [
        { channelId: 'push', data: { tokens: ['s-token'] } },
        { channelId: 'slack', data: { channel: 'C1' } },
      ],
      preferences: [
        { id: 'default', channelTypes: { email: false } },
        { id: 'tenant-1', channelTypes: { sms: true } },
      ],
    }),
  );
  return { primary, secondary };
}

describe('MergeUsers', () => {
  it('deep-merges properties with the primary winning, adds what the primary lacks, and deletes the secondary', async () => {
    const { primary, secondary } = await twoUsers();
    const result = await api.mergeUsers({ primaryUserId: primary, secondaryUserId: secondary });
    const user = defined(result.user, 'user');
    expect(user.id).toBe(primary);
    expect(user.name).toBe('Primary');
    expect(user.properties).toEqual({
      plan: 'pro',
      address: { city: 'Paris', zip: '69000', geo: { lat: 48.8, lon: 4.8 } },
      tags: ['a'],
      seats: 3,
      invitedBy: 'x',
    });
    expect(result.conflictingProperties).toEqual(['properties.address.city', 'properties.plan', 'properties.tags']);
    expect(result.channelIdsAdded).toEqual(['slack']);
    expect(result.preferenceSetIdsAdded).toEqual(['tenant-1']);
    expect(result.historyComplete).toBe(true);

    expect((await api.getUser({ userId: primary })).user).toEqual(user);
    // The primary kept its own channel data and preference set where both had one.
    expect((await api.getChannelData({ userId: primary, channelId: 'push' })).channelData?.data).toEqual({ tokens: ['p-token'] });
    expect((await api.getChannelData({ userId: primary, channelId: 'slack' })).channelData?.data).toEqual({ channel: 'C1' });
    const sets = (await api.listPreferences({ userId: primary })).preferenceSets;
    expect(sets.map((s) => [s.id, s.channelTypes])).toEqual([
      ['default', { email: true }],
      ['tenant-1', { sms: true }],
    ]);

    // The secondary is gone for good, with everything of theirs.
    await expectError(api.getUser({ userId: secondary }), status.NOT_FOUND, 'USER_NOT_FOUND');
    expect(await counts(mongo.db, secondary)).toEqual({ users: 0, channelData: 0, preferenceSets: 0 });
    const listed = await api.listUsers({ pageSize: 1000 });
    expect(listed.users.map((u) => u.id)).not.toContain(secondary);
  });

  it('dry run: shows the merged user and the conflicts, and writes nothing', async () => {
    const { primary, secondary } = await twoUsers();
    const before = await snapshot();
    const dry = await api.mergeUsers({ primaryUserId: primary, secondaryUserId: secondary, dryRun: true });
    expect(await snapshot()).toBe(before);
    expect(dry.conflictingProperties).toEqual(['properties.address.city', 'properties.plan', 'properties.tags']);
    expect(dry.channelIdsAdded).toEqual(['slack']);
    expect(dry.preferenceSetIdsAdded).toEqual(['tenant-1']);
    // The merge itself then gives the same user (but for its new version and time).
    const real = await api.mergeUsers({ primaryUserId: primary, secondaryUserId: secondary });
    expect(real.user?.properties).toEqual(dry.user?.properties);
    expect(real.user?.name).toBe(dry.user?.name);
  });

  it('refuses to merge a user into itself, and changes nothing', async () => {
    const { primary } = await twoUsers();
    const before = await snapshot();
    await expectViolations(api.mergeUsers({ primaryUserId: primary, secondaryUserId: primary }), [
      { field: 'secondary_user_id', reason: 'CONFLICT' },
    ]);
    expect(await snapshot()).toBe(before);
  });

  it('refuses bad ids with a violation per field', async () => {
    await expectViolations(api.mergeUsers({ primaryUserId: '', secondaryUserId: 'a\u0000b' }), [
      { field: 'primary_user_id', reason: 'REQUIRED' },
      { field: 'secondary_user_id', reason: 'INVALID_CHARACTERS' },
    ]);
  });

  it.each([
    ['primary', 'primary_user_id'],
    ['secondary', 'secondary_user_id'],
  ] as const)('NOT_FOUND naming the missing %s, and nothing changes', async (which, field) => {
    const { primary, secondary } = await twoUsers();
    const missing = uniqueId('nobody');
    const before = await snapshot();
    const request = which === 'primary' ? { primaryUserId: missing, secondaryUserId: secondary } : { primaryUserId: primary, secondaryUserId: missing };
    const { details } = await expectError(api.mergeUsers(request), status.NOT_FOUND, 'USER_NOT_FOUND');
    expect(details.errorInfo?.metadata).toMatchObject({ user_id: missing, field });
    expect(await snapshot()).toBe(before);
  });

  it('FAILED_PRECONDITION when the merged properties would pass 1 MiB, and nothing changes', async () => {
    const { primary, secondary } = await twoUsers();
    // Each identify may carry 32 KiB of properties; merged by key they add up.
    const chunk = 'x'.repeat(30 * 1024);
    for (let i = 0; i < 18; i += 1) {
      await api.identifyUser({ userId: primary, properties: { [`p${i}`]: chunk } });
      await api.identifyUser({ userId: secondary, properties: { [`s${i}`]: chunk } });
    }
    const before = await snapshot();
    const { details } = await expectError(
      api.mergeUsers({ primaryUserId: primary, secondaryUserId: secondary }),
      status.FAILED_PRECONDITION,
      'MERGED_PROPERTIES_TOO_LARGE',
    );
    expect(Number(details.errorInfo?.metadata['merged_bytes'])).toBeGreaterThan(1024 * 1024);
    expect(await snapshot()).toBe(before);
  });

  it('keeps its reply small when thousands of long property paths conflict', async () => {
    // Long keys on the way down, then thousands of leaves both users hold differently:
    // each conflicting path repeats the long keys.
    const long = (c: string) => `${c}${'😀'.repeat(249)}`;
    const leaves = (value: number) => Object.fromEntries(Array.from({ length: 2_500 }, (_, i) => [`${i}`, value]));
    const nested = (value: number) => ({ [long('a')]: { [long('b')]: { [long('c')]: leaves(value) } } });
    const primary = uniqueId('wide-primary');
    const secondary = uniqueId('wide-secondary');
    await api.identifyUser(newUser({ userId: primary, properties: nested(1) }));
    await api.identifyUser(newUser({ userId: secondary, properties: nested(2) }));
    for (const dryRun of [true, false]) {
      // A client with the default 4 MiB receive limit gets the answer.
      const result = await api.mergeUsers({ primaryUserId: primary, secondaryUserId: secondary, dryRun });
      expect(result.conflictingProperties.length).toBeGreaterThan(0);
      expect(result.conflictingProperties.length + result.conflictingPropertiesOmitted).toBe(2_500);
      expect(result.conflictingProperties.join('').length).toBeLessThanOrEqual(64 * 1024);
    }
    // The connection is still good for the next call.
    expect((await api.getUser({ userId: primary })).user?.id).toBe(primary);
  });

  it('ends, with identify calls racing it on both users, in a state some serial order gives', async () => {
    for (let round = 0; round < 6; round += 1) {
      const { primary, secondary } = await twoUsers();
      const secondaryKeys = ['plan', 'address', 'tags', 'invitedBy'];
      const results = await Promise.allSettled([
        api.mergeUsers({ primaryUserId: primary, secondaryUserId: secondary }),
        // Replace the primary's traits: before the merge, the secondary's keys join them; after, they are gone.
        api.identifyUser({ userId: primary, traitMode: TraitMode.TRAIT_MODE_REPLACE, properties: { only: round } }),
        // Identify the secondary again: before the merge, folded in; after, a new user.
        api.identifyUser(newUser({ userId: secondary, properties: { late: round } })),
      ]);
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as { code?: number }] : []));
      // A lost race is an answer a caller can retry, never a silent mix.
      for (const failure of failures) expect([status.ABORTED, status.NOT_FOUND], JSON.stringify(failure)).toContain(failure.code);
      const merged = results[0]!.status === 'fulfilled';
      const primaryIdentified = results[1]!.status === 'fulfilled';
      const secondaryIdentified = results[2]!.status === 'fulfilled';
      if (!merged) continue;
      const properties = defined((await api.getUser({ userId: primary })).user?.properties, 'properties');
      const secondaryNow = await api.getUser({ userId: secondary }).then((r) => r.user, () => undefined);

      // The late identify of the secondary landed either before the merge (folded into the primary)
      // or after it (a new secondary): exactly one of the two.
      if (secondaryIdentified) expect(('late' in properties) !== (secondaryNow !== undefined), JSON.stringify({ properties, secondaryNow })).toBe(true);
      if (secondaryNow !== undefined) expect(secondaryNow.properties).toEqual({ late: round });
      // The primary's replace landed before the merge (the secondary's keys joined it) or after it
      // (only its own key): all of the secondary's keys or none.
      if (primaryIdentified) {
        expect(properties['only']).toBe(round);
        const present = secondaryKeys.filter((key) => key in properties);
        expect([0, secondaryKeys.length], JSON.stringify(properties)).toContain(present.length);
      }
    }
  });
});
