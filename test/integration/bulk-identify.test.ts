/**
 * BulkIdentifyUsers and StreamIdentifyUsers through the real server: exact
 * counts and rejection positions, the one-by-one equivalence for repeated
 * ids, replays, cancels that leave only whole batches, resuming from an
 * acknowledgement, and the stream limits. Outcomes are read back from the
 * database, never inferred from timing.
 */
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import {
  type BulkIdentifyUsersResponse,
  type DeepPartial,
  IdentifyUserRequest,
  type StreamIdentifyUsersResponse,
  TraitMode,
} from '../../src/gen/herald/users/v1/users_service.js';
import { decodeStatusDetails } from '../../src/errors/grpc-status.ts';
import { defined, newUser, uniqueId } from './fixtures.ts';
import { startTestService } from './harness.ts';

const BATCH = 10;
const MAX_PER_STREAM = 100;
const { api, client, mongo } = await startTestService({ bulkBatchSize: BATCH, bulkMaxUsersPerStream: MAX_PER_STREAM });

type Partial = DeepPartial<IdentifyUserRequest>;

/** Streams `messages` through BulkIdentifyUsers and resolves with the one response. */
const bulk = (messages: Partial[][]): Promise<BulkIdentifyUsersResponse> => api.bulkIdentifyUsers(messages);

/** Stored users among `ids`, by id. */
async function stored(ids: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
  const docs = await mongo.db.collection<{ _id: string }>('users').find({ _id: { $in: [...ids] } }).toArray();
  return new Map(docs.map((doc) => [doc._id, doc as unknown as Record<string, unknown>]));
}

describe('BulkIdentifyUsers', () => {
  it('counts every record and rejects exactly the bad ones, by stream position, across messages', async () => {
    const [a, b, c] = [uniqueId('bulk'), uniqueId('bulk'), uniqueId('bulk')];
    const existing = newUser();
    const { user } = await api.identifyUser(existing);
    const reply = await bulk([
      [
        newUser({ userId: a }), // 0 created
        newUser({ userId: b, email: 'not-an-email' }), // 1 invalid
      ],
      [
        { userId: c, properties: { plan: 'free' } }, // 2 new without name and email
        { userId: a, properties: { plan: 'pro' } }, // 3 updates a, created at 0
        { userId: existing.userId, name: 'Renamed', expectedVersion: defined(user).version }, // 4 updates
        { userId: existing.userId, name: 'Again', expectedVersion: defined(user).version }, // 5 stale: 4 changed it
      ],
      [newUser({ userId: b })], // 6 created: the invalid record at 1 wrote nothing
    ]);
    expect(reply).toMatchObject({ received: 7, created: 2, updated: 2, rejected: 3, rejectionsOmitted: 0 });
    expect(reply.rejections.map((r) => [r.position, r.userId, r.violations.map((v) => [v.field, v.reason])])).toEqual([
      [1, b, [['email', 'INVALID_EMAIL']]],
      [2, c, [['name', 'REQUIRED'], ['email', 'REQUIRED']]],
      [5, existing.userId, [['expected_version', 'WRONG_VERSION']]],
    ]);
    const docs = await stored([a, b, c, existing.userId]);
    expect(docs.get(a)?.['properties']).toEqual({ plan: 'pro' });
    expect(docs.has(b)).toBe(true);
    expect(docs.has(c)).toBe(false);
    expect(docs.get(existing.userId)?.['name']).toBe('Renamed');
  });

  it('applies repeated ids in stream order, exactly as the same records sent one by one', async () => {
    const viaStream = uniqueId('order');
    const oneByOne = uniqueId('order');
    const records = (userId: string): Partial[] => [
      newUser({ userId, properties: { a: 1, b: { x: 1 } }, channelData: [{ channelId: 'push', data: { t: 1 } }] }),
      { userId, properties: { b: { y: 2 }, c: 3 } },
      { userId, unsetProperties: ['a'], preferences: [{ id: 'default', channelTypes: { sms: false } }] },
      { userId, traitMode: TraitMode.TRAIT_MODE_REPLACE, properties: { only: true, n: [1, 2] } },
      { userId, properties: { last: 'x' }, channelData: [{ channelId: 'push', data: { t: 2 } }] },
    ];
    // Spread over batches of 10 with other records between them.
    const filler = Array.from({ length: 13 }, () => newUser());
    const stream = records(viaStream);
    await bulk([[stream[0] as Partial, ...filler.slice(0, 8)], [stream[1] as Partial, stream[2] as Partial, ...filler.slice(8)], stream.slice(3)]);
    for (const record of records(oneByOne)) await api.identifyUser(record);

    const [s, o] = [defined((await api.getUser({ userId: viaStream })).user), defined((await api.getUser({ userId: oneByOne })).user)];
    expect(s.properties).toEqual(o.properties);
    expect(s.properties).toEqual({ only: true, n: [1, 2], last: 'x' });
    expect((await api.getChannelData({ userId: viaStream, channelId: 'push' })).channelData?.data).toEqual({ t: 2 });
    expect((await api.getPreferences({ userId: viaStream })).preferenceSet?.channelTypes).toEqual({ sms: false });
  });

  it('a replayed stream changes nothing but versions and timestamps', async () => {
    const users = Array.from({ length: 25 }, (_, i) => newUser({ properties: { i }, channelData: [{ channelId: 'push', data: { i } }] }));
    const ids = users.map((u) => u.userId);
    expect(await bulk([users])).toMatchObject({ received: 25, created: 25, updated: 0, rejected: 0 });
    const strip = (docs: Map<string, Record<string, unknown>>) =>
      [...docs.values()].map(({ v: _v, updatedAt: _u, ...rest }) => rest).sort((x, y) => String(x['_id']).localeCompare(String(y['_id'])));
    const first = strip(await stored(ids));
    expect(await bulk([users.slice(0, 10), users.slice(10)])).toMatchObject({ received: 25, created: 0, updated: 25, rejected: 0 });
    expect(strip(await stored(ids))).toEqual(first);
  });

  it('refuses a message of more than 1000 users, and a stream longer than the limit keeps what it wrote', async () => {
    const tooMany = Array.from({ length: 1001 }, () => newUser());
    const error = await bulk([tooMany]).then(
      () => expect.fail('a message of 1001 users was accepted'),
      (thrown: ServiceError) => thrown,
    );
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(decodeStatusDetails(error.metadata)?.badRequest?.fieldViolations.map((v) => [v.field, v.reason])).toEqual([['users', 'TOO_MANY']]);
    expect(await stored(tooMany.map((u) => u.userId))).toHaveProperty('size', 0);

    const long = Array.from({ length: MAX_PER_STREAM + 5 }, () => newUser());
    const failure = await bulk([long.slice(0, 50), long.slice(50)]).then(
      () => expect.fail('a stream over the limit was accepted'),
      (thrown: ServiceError) => thrown,
    );
    expect(failure.code).toBe(status.RESOURCE_EXHAUSTED);
    const details = decodeStatusDetails(failure.metadata);
    expect(details?.errorInfo).toMatchObject({ reason: 'STREAM_TOO_LONG', metadata: { next_position: '50' } });
    // The first message's 50 records were written; nothing of the second.
    expect((await stored(long.map((u) => u.userId))).size).toBe(50);
  });
});

/** A StreamIdentifyUsers call: its acknowledgements as they come, and its end. */
function openStream() {
  const call = client.streamIdentifyUsers(new Metadata());
  const acks: StreamIdentifyUsersResponse[] = [];
  const waiters: (() => void)[] = [];
  call.on('data', (ack: StreamIdentifyUsersResponse) => {
    acks.push(ack);
    for (const wake of waiters.splice(0)) wake();
  });
  const ended = new Promise<ServiceError | null>((resolve) => {
    call.on('error', (error: ServiceError) => resolve(error));
    call.on('end', () => resolve(null));
  });
  /** Resolves once `count` acknowledgements have arrived. */
  const acked = async (count: number): Promise<void> => {
    while (acks.length < count) await new Promise<void>((wake) => waiters.push(wake));
  };
  return { call, acks, ended, acked };
}

describe('StreamIdentifyUsers', () => {
  it('acknowledges each committed batch; a cancel after one leaves only whole batches', async () => {
    // 12 + 18 records: batches end at 10, 20 and 30, so no partial batch is
    // left for the server to write when the client pauses.
    const users = Array.from({ length: 30 }, () => newUser());
    const { call, acks, ended, acked } = openStream();
    call.write({ startPosition: 0, users: users.slice(0, 12).map((u) => IdentifyUserRequest.fromPartial(u)) });
    await acked(1);
    expect(acks[0]).toMatchObject({ nextPosition: 10, created: 10, updated: 0, rejections: [] });
    call.write({ startPosition: 0, users: users.slice(12).map((u) => IdentifyUserRequest.fromPartial(u)) });
    call.cancel();
    expect(await ended).toMatchObject({ code: status.CANCELLED });
    // Whatever the timing, the database holds whole batches: a prefix of the
    // stream that ends at a batch boundary.
    const docs = await stored(users.map((u) => u.userId));
    expect(docs.size % BATCH).toBe(0);
    expect(docs.size).toBeGreaterThanOrEqual(10);
    expect(users.slice(0, docs.size).every((u) => docs.has(u.userId))).toBe(true);
  });

  it('acknowledges a partial batch once the client pauses, without the stream ending', async () => {
    const users = Array.from({ length: 3 }, () => newUser());
    const { call, acks, ended, acked } = openStream();
    call.write({ startPosition: 0, users: users.map((u) => IdentifyUserRequest.fromPartial(u)) });
    await acked(1); // no more records come, and the stream is still open
    expect(acks[0]).toMatchObject({ nextPosition: 3, created: 3 });
    expect((await stored(users.map((u) => u.userId))).size).toBe(3);
    call.end();
    expect(await ended).toBeNull();
  });

  it('resumes from the last acknowledgement after a broken stream: every record stored, each position acknowledged once', async () => {
    const users = Array.from({ length: 47 }, (_, i) => newUser({ properties: { i } }));
    const first = openStream();
    first.call.write({ startPosition: 0, users: users.slice(0, 25).map((u) => IdentifyUserRequest.fromPartial(u)) });
    await first.acked(2);
    first.call.cancel(); // the connection "breaks" with 5 records unacknowledged
    await first.ended;
    const resumeAt = defined(first.acks.at(-1)).nextPosition;
    expect(resumeAt).toBe(20);

    const second = openStream();
    second.call.write({ startPosition: resumeAt, users: users.slice(resumeAt, 30).map((u) => IdentifyUserRequest.fromPartial(u)) });
    second.call.write({ startPosition: 0, users: users.slice(30).map((u) => IdentifyUserRequest.fromPartial(u)) });
    second.call.end();
    expect(await second.ended).toBeNull();
    expect(second.acks.map((a) => a.nextPosition)).toEqual([30, 40, 47]);
    const docs = await stored(users.map((u) => u.userId));
    expect(docs.size).toBe(47);
    users.forEach((u, i) => expect(docs.get(u.userId)?.['properties']).toEqual({ i }));
  });

  it('refuses start_position on a later message, keeping what was acknowledged', async () => {
    const users = Array.from({ length: 10 }, () => newUser());
    const { call, ended, acked } = openStream();
    call.write({ startPosition: 0, users: users.map((u) => IdentifyUserRequest.fromPartial(u)) });
    await acked(1);
    call.write({ startPosition: 3, users: [IdentifyUserRequest.fromPartial(newUser())] });
    const error = await ended;
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(decodeStatusDetails(defined(error ?? undefined).metadata)?.badRequest?.fieldViolations[0]?.field).toBe('start_position');
    expect((await stored(users.map((u) => u.userId))).size).toBe(10);
  });
});
