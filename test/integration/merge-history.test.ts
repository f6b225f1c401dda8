/**
 * What a merge does to messages and activities, with the service's clock
 * injected (never slept on): those of the 30 days before the merge move to
 * the primary, older ones keep naming the secondary and show the
 * MissingUser marker, and while a move is unfinished every message already
 * reads as it will once the move is done.
 */
import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { MERGE_STATES } from '../../src/lifecycle/merge-documents.ts';
import { MERGE_HISTORY_DAYS } from '../../src/lifecycle/user-fold.ts';
import { newUser } from './fixtures.ts';
import { startTestService } from './harness.ts';
import { createMessage, createUser, missingIdOf, userIdOf } from './messages-fixtures.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const START = Date.parse('2031-06-01T12:00:00.000Z');
let now = START;
const service = await startTestService({ clock: () => new Date(now) });
const { messages: api, mongo } = service;

/** Runs `work` with the service's clock at `daysAgo` days before START. */
async function at<T>(daysAgo: number, work: () => Promise<T>): Promise<T> {
  now = START - daysAgo * DAY_MS;
  try {
    return await work();
  } finally {
    now = START;
  }
}

async function recipientOf(messageId: string) {
  return (await api.getMessage({ messageId })).message?.recipient;
}

async function actorsOf(messageId: string) {
  return (await api.listActivities({ messageId })).activities.map((a) => a.actor);
}

describe('a merge and the secondary history', () => {
  it('moves the last 30 days to the primary, as recipient and as actor, and leaves older ones showing the marker', async () => {
    const primary = await createUser(service, 'p');
    const secondary = await createUser(service, 's');
    const other = await createUser(service, 'o');
    const days = [29, MERGE_HISTORY_DAYS, 31];
    const toSecondary = new Map<number, string>();
    const bySecondary = new Map<number, string>();
    for (const d of days) {
      toSecondary.set(d, (await at(d, () => createMessage(service, secondary, { activities: [{ actorId: secondary, data: { d } }] }))).id);
      bySecondary.set(d, (await at(d, () => createMessage(service, other, { activities: [{ actorId: secondary, data: { d } }] }))).id);
    }

    const result = await service.api.mergeUsers({ primaryUserId: primary, secondaryUserId: secondary });
    expect(result.historyComplete).toBe(true);
    // 29 days and exactly 30 days: the 30 days before the merge, inclusive.
    expect(result.messagesMoved).toBe(2);
    expect(result.activitiesMoved).toBe(4);

    for (const d of [29, MERGE_HISTORY_DAYS]) {
      expect(userIdOf(await recipientOf(toSecondary.get(d)!)), `${d} days`).toBe(primary);
      expect((await actorsOf(toSecondary.get(d)!)).map(userIdOf), `${d} days`).toEqual([primary]);
      expect((await actorsOf(bySecondary.get(d)!)).map(userIdOf), `${d} days`).toEqual([primary]);
    }
    expect(missingIdOf(await recipientOf(toSecondary.get(31)!))).toBe(secondary);
    expect((await actorsOf(toSecondary.get(31)!)).map(missingIdOf)).toEqual([secondary]);
    expect((await actorsOf(bySecondary.get(31)!)).map(missingIdOf)).toEqual([secondary]);

    // Lists: the primary's feed holds the moved messages; the secondary's id lists only the old one, marked.
    const primaryFeed = await api.listMessages({ recipientId: primary, pageSize: 100 });
    expect(primaryFeed.messages.map((m) => m.id).sort()).toEqual([toSecondary.get(29), toSecondary.get(MERGE_HISTORY_DAYS)].sort());
    const secondaryFeed = await api.listMessages({ recipientId: secondary, pageSize: 100 });
    expect(secondaryFeed.messages.map((m) => m.id)).toEqual([toSecondary.get(31)]);
    expect(missingIdOf(secondaryFeed.messages[0]?.recipient)).toBe(secondary);

    // Someone identified later under the secondary's id is somebody else: the old history stays marked.
    await service.api.identifyUser(newUser({ userId: secondary }));
    expect(missingIdOf(await recipientOf(toSecondary.get(31)!))).toBe(secondary);
    expect(userIdOf(await recipientOf(toSecondary.get(29)!))).toBe(primary);

    // And a deleted primary shows the marker on what it received.
    await service.api.deleteUser({ userId: primary });
    expect(missingIdOf(await recipientOf(toSecondary.get(29)!))).toBe(primary);
  });

  it('reads, while the move is unfinished, every message as it will read once the move is done', async () => {
    const primary = await createUser(service, 'p');
    const secondary = await createUser(service, 's');
    const recent = await at(3, () => createMessage(service, secondary, { activities: [{ actorId: secondary, data: {} }] }));
    const old = await at(40, () => createMessage(service, secondary, { activities: [{ actorId: secondary, data: {} }] }));
    // The state a crash leaves right after the fold committed: the secondary deleted, the merge
    // recorded as moving, and no message moved yet (this server's mover never heard of it).
    const users = mongo.db.collection<{ _id: string; uid?: string }>('users');
    const [p, s] = await Promise.all([users.findOne({ _id: primary }), users.findOne({ _id: secondary })]);
    await mongo.db.collection('merges').insertOne({
      _id: new ObjectId(),
      secondary: { id: secondary, uid: s?.uid },
      primary: { id: primary, uid: p?.uid },
      mergedAt: new Date(START),
      cutoff: new Date(START - MERGE_HISTORY_DAYS * DAY_MS),
      state: MERGE_STATES.moving,
      messagesMoved: 0,
      activitiesMoved: 0,
    });
    await users.deleteOne({ _id: secondary });

    expect(userIdOf(await recipientOf(recent.id))).toBe(primary);
    expect((await actorsOf(recent.id)).map(userIdOf)).toEqual([primary]);
    expect(missingIdOf(await recipientOf(old.id))).toBe(secondary);
    expect((await actorsOf(old.id)).map(missingIdOf)).toEqual([secondary]);
    // Not moved yet, the recent message is listed with the primary's messages already.
    const feed = await api.listMessages({ recipientId: primary, pageSize: 100 });
    expect(feed.messages.map((m) => m.id)).toContain(recent.id);
    expect(feed.messages.map((m) => m.id)).not.toContain(old.id);
  });

  it('follows a chain of merges: a user merged into one later merged again', async () => {
    const first = await createUser(service, 'first');
    const second = await createUser(service, 'second');
    const third = await createUser(service, 'third');
    const message = await at(1, () => createMessage(service, first));
    await service.api.mergeUsers({ primaryUserId: second, secondaryUserId: first });
    await service.api.mergeUsers({ primaryUserId: third, secondaryUserId: second });
    expect(userIdOf(await recipientOf(message.id))).toBe(third);
  });
});
