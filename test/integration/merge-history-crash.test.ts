/**
 * A merge's history move survives the server: the service runs as an
 * operator runs it (src/main.ts in its own process), is killed (SIGKILL)
 * in the middle of moving tens of thousands of messages and activities, and
 * is started again. The move finishes after the restart, and at every point
 * what the merge record counts is exactly what has moved: no message lost,
 * none moved or counted twice, none older than 30 days moved.
 */
import { credentials } from '@grpc/grpc-js';
import { MongoClient, ObjectId, type Db } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { UsersServiceClient } from '../../src/gen/herald/users/v1/users_service.js';
import type { MergeDocument } from '../../src/lifecycle/merge-documents.ts';
import { mongoConnection } from '../support/mongo.ts';
import { newUser, uniqueId } from './fixtures.ts';
import { usersApi } from './harness.ts';
import { scratchDatabase, spawnMain, type MainProcess } from './main-process.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const RECENT = 20_000;
const OLD = 1_000;

const database = scratchDatabase('merge_crash');
const mongo = new MongoClient(mongoConnection().uri);
afterAll(() => mongo.close());
const db: Db = mongo.db(database);

const started: MainProcess[] = [];
afterAll(() => {
  for (const main of started) if (main.child.exitCode === null && main.child.signalCode === null) main.child.kill('SIGKILL');
});

/** The service in its own process on this file's database, moving `batchSize` documents a transaction. */
async function startService(batchSize: number): Promise<{ main: MainProcess; api: ReturnType<typeof usersApi>; close: () => void }> {
  // A short default deadline makes MergeUsers answer while the move goes on.
  const main = spawnMain({
    MONGODB_URI: mongoConnection().uri,
    MONGODB_DATABASE: database,
    PORT: '0',
    MERGE_BATCH_SIZE: String(batchSize),
    GRPC_DEFAULT_DEADLINE_MS: '1500',
  });
  started.push(main);
  const port = await main.serving;
  const client = new UsersServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  return { main, api: usersApi(client), close: () => client.close() };
}

/** `count` documents a batch at a time (insertMany of tens of thousands at once is slow on some servers). */
async function insertInChunks(collection: string, count: number, make: (i: number) => Record<string, unknown>): Promise<void> {
  for (let first = 0; first < count; first += 2_000) {
    const docs = Array.from({ length: Math.min(2_000, count - first) }, (_, k) => make(first + k));
    await db.collection(collection).insertMany(docs);
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a merge history move across a crash', () => {
  it('finishes after a restart, moving every recent message and activity exactly once', { timeout: 600_000 }, async () => {
    // Small batches first, so that the kill lands in the middle of the move.
    const first = await startService(100);
    const primary = uniqueId('crash-primary');
    const secondary = uniqueId('crash-secondary');
    await first.api.identifyUser(newUser({ userId: primary }));
    await first.api.identifyUser(newUser({ userId: secondary }));
    const stored = await db.collection<{ _id: string; uid?: string }>('users').findOne({ _id: secondary });
    const ref = { id: secondary, uid: stored?.uid };
    expect(ref.uid).toBeDefined();

    // History: RECENT messages and activities inside the 30 days, OLD outside.
    const now = Date.now();
    const insertedAt = (i: number) => new Date(i < RECENT ? now - (i % 29) * DAY_MS - 60_000 : now - (31 + (i % 30)) * DAY_MS);
    await insertInChunks('messages', RECENT + OLD, (i) => ({
      _id: new ObjectId(),
      recipient: ref,
      channelId: 'in-app',
      data: { i },
      insertedAt: insertedAt(i),
      updatedAt: insertedAt(i),
      activityCount: 1,
    }));
    await insertInChunks('activities', RECENT + OLD, (i) => ({
      _id: new ObjectId(),
      messageId: new ObjectId(),
      actor: ref,
      data: { i },
      insertedAt: insertedAt(i),
    }));

    // The call answers within its deadline; the move goes on in the server.
    const merged = await first.api.mergeUsers({ primaryUserId: primary, secondaryUserId: secondary });
    expect(merged.user?.id).toBe(primary);
    const merges = db.collection<MergeDocument>('merges');
    const movedSoFar = (field: 'recipient' | 'actor', collection: string) =>
      db.collection(collection).countDocuments({ [`${field}.id`]: primary });

    // The call answered at its deadline, before the move was done.
    expect(merged.historyComplete, 'the move finished within the call: make the history larger').toBe(false);

    // Kill the server in the middle of the move.
    await until('a batch to be moved', async () => ((await merges.findOne({ 'secondary.id': secondary }))?.messagesMoved ?? 0) > 0 || undefined, 60_000);
    first.main.child.kill('SIGKILL');
    await first.main.closed;
    first.close();
    const cut = await merges.findOne({ 'secondary.id': secondary });
    console.log(`[merge crash] killed with ${cut?.messagesMoved} messages and ${cut?.activitiesMoved} activities moved, state ${cut?.state}`);
    expect(cut?.state).toBe('moving');
    expect(cut?.messagesMoved).toBeLessThan(RECENT);
    // Counted in the same transaction as moved: exact even after the kill.
    expect(cut?.messagesMoved).toBe(await movedSoFar('recipient', 'messages'));
    expect(cut?.activitiesMoved).toBe(await movedSoFar('actor', 'activities'));

    const second = await startService(1_000);
    await until('the move to finish after the restart', async () => ((await merges.findOne({ 'secondary.id': secondary }))?.state === 'done' ? true : undefined), 300_000);
    expect(second.main.lines.some((line) => line['msg'] === 'resuming the history move of a merge')).toBe(true);
    second.close();

    const done = await merges.findOne({ 'secondary.id': secondary });
    expect(done).toMatchObject({ state: 'done', messagesMoved: RECENT, activitiesMoved: RECENT });
    expect(await movedSoFar('recipient', 'messages')).toBe(RECENT);
    expect(await movedSoFar('actor', 'activities')).toBe(RECENT);
    // Nothing lost, and the old history still names the secondary.
    expect(await db.collection('messages').countDocuments({})).toBe(RECENT + OLD);
    expect(await db.collection('messages').countDocuments({ 'recipient.id': secondary })).toBe(OLD);
    expect(await db.collection('activities').countDocuments({ 'actor.id': secondary })).toBe(OLD);
    const oldest = await db.collection('messages').countDocuments({ 'recipient.id': secondary, insertedAt: { $gte: new Date(now - 30 * DAY_MS) } });
    expect(oldest).toBe(0);
  });
});
