/**
 * Property-based fuzzing of every UsersService method against the real
 * server, over a real socket.
 *
 * Raw bytes (no generated encoder in the way): random byte arrays,
 * structure-aware random protobuf encodings, and mutations of valid
 * requests. Typed requests (through the generated client): random but
 * well-shaped IdentifyUser, SetChannelData, SetPreferences and the other
 * calls, with hostile strings, keys and JSON.
 *
 * Every call must end in a status the API documents (never INTERNAL or
 * UNKNOWN); INVALID_ARGUMENT must carry a BadRequest naming at least one
 * field; a call that fails must leave the stored data exactly as it was;
 * and the server must still answer afterwards. fast-check prints the seed
 * and the shrunk counterexample of a failure.
 */
import fc from 'fast-check';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { BSON } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BulkDeleteUsersRequest,
  BulkIdentifyUsersRequest,
  DeleteUserRequest,
  GetChannelDataRequest,
  GetPreferencesRequest,
  GetUserRequest,
  IdentifyUserRequest,
  ListPreferencesRequest,
  ListUsersRequest,
  MergeUsersRequest,
  SetChannelDataRequest,
  SetPreferencesRequest,
  TraitMode,
  UnsetChannelDataRequest,
  UsersServiceService,
  type DeepPartial,
} from '../../src/gen/herald/users/v1/users_service.js';
import type { PreferenceSet } from '../../src/gen/herald/users/v1/preferences.js';
import { USERS_SERVICE_NAME } from '../../src/server.ts';
import { CHANNEL_TYPES } from '../../src/users/model.ts';
import { expectWellFormedStatus as expectWellFormed, type Ended } from './fuzz-support.ts';
import { startTestService } from './harness.ts';
import { rawClient, sendRaw, type RawReply } from './raw-calls.ts';
import { checkHealth, healthClient } from './service-clients.ts';

const service = await startTestService();
const { api, mongo, logs } = service;
const raw = rawClient(service.address);
const health = healthClient(service.address);
afterAll(() => {
  raw.close();
  health.close();
});

/** Per-test time limit: the properties below take a few seconds each. */
const PROPERTY_TIMEOUT_MS = 90_000;

// ---------------------------------------------------------------------------
// The methods, straight from the generated service definition.

/**
 * Every method one request message can be sent to and answered once. The
 * bidirectional StreamIdentifyUsers answers with a stream of
 * acknowledgements, so it is left out here; its messages hold the same
 * records as BulkIdentifyUsers' and pass the same strict check, and its own
 * tests send it hostile messages.
 */
type MethodKey = Exclude<keyof typeof UsersServiceService, 'streamIdentifyUsers'>;

const METHODS = (Object.keys(UsersServiceService) as (keyof typeof UsersServiceService)[])
  .filter((key): key is MethodKey => !UsersServiceService[key].responseStream)
  .map((key) => ({
  key,
  path: UsersServiceService[key].path,
  /** Decodes an OK response; throws when the server sent something else. */
  decodeResponse: (bytes: Buffer): unknown => UsersServiceService[key].responseDeserialize(bytes),
}));
type Method = (typeof METHODS)[number];

/** Methods that may write: for the others, no call ever changes the data. */
const WRITES: ReadonlySet<MethodKey> = new Set([
  'identifyUser',
  'deleteUser',
  'bulkDeleteUsers',
  'bulkIdentifyUsers',
  'setChannelData',
  'unsetChannelData',
  'setPreferences',
  'mergeUsers',
]);

// ---------------------------------------------------------------------------
// What every call must satisfy.

/** Statuses the API documents for a bad, missing or conflicting request. */
const DOCUMENTED = new Set<status>([status.OK, status.INVALID_ARGUMENT, status.NOT_FOUND, status.ABORTED, status.FAILED_PRECONDITION]);

/** Counts of the codes a property saw, printed once it ends: a fuzzer that only hits one path tests little. */
class CodeTally {
  private readonly counts = new Map<string, number>();
  add(code: status): void {
    const name = status[code];
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }
  print(label: string): void {
    const line = [...this.counts].map(([name, n]) => `${name} ${n}`).join(', ');
    console.log(`[fuzz] ${label}: ${line}`);
  }
  count(code: status): number {
    return this.counts.get(status[code]) ?? 0;
  }
}

/**
 * The status is documented (never INTERNAL, UNKNOWN, UNAVAILABLE…), and an
 * INVALID_ARGUMENT carries a BadRequest that names at least one field.
 */
function expectWellFormedStatus(where: string, ended: Ended): void {
  expectWellFormed(DOCUMENTED, where, ended);
}

/**
 * The server answers health checks and a write-then-read round trip, and
 * logged no error since log line `since`.
 */
async function expectAlive(since: number): Promise<void> {
  expect(await checkHealth(health, USERS_SERVICE_NAME)).toBe('SERVING');
  const userId = 'fuzz-liveness';
  await api.identifyUser({ userId, name: 'Still Here', email: 'still.here@example.com' });
  const { user } = await api.getUser({ userId });
  expect(user?.id).toBe(userId);
  const errors = logs.slice(since).filter((line) => typeof line['level'] === 'number' && line['level'] >= 50);
  expect(errors, 'the server logged errors').toEqual([]);
}

// ---------------------------------------------------------------------------
// Stored data, exactly (canonical Extended JSON keeps every BSON type).

const COLLECTIONS = ['users', 'channel_data', 'preference_sets', 'merges'] as const;

/** Every document of the test database. */
async function databaseState(): Promise<string> {
  const parts = await Promise.all(
    COLLECTIONS.map((name) => mongo.db.collection(name).find({}).sort({ _id: 1 }).toArray()),
  );
  return BSON.EJSON.stringify(parts, { relaxed: false });
}

/** One user's documents in every collection, and the size of each collection. */
async function userState(userId: string): Promise<string> {
  const [users, channelData, preferenceSets, ...totals] = await Promise.all([
    mongo.db.collection<{ _id: string }>('users').find({ _id: userId }).toArray(),
    mongo.db.collection('channel_data').find({ userId }).sort({ channelId: 1 }).toArray(),
    mongo.db.collection('preference_sets').find({ userId }).sort({ setId: 1 }).toArray(),
    ...COLLECTIONS.map((name) => mongo.db.collection(name).countDocuments({})),
  ]);
  return BSON.EJSON.stringify({ users, channelData, preferenceSets, totals }, { relaxed: false });
}

/** The stored version (`v`) of one document, or a version that matches nothing. */
async function storedVersion(collection: string, filter: Record<string, unknown>): Promise<string> {
  const doc = await mongo.db.collection<Record<string, unknown>>(collection).findOne(filter, { projection: { v: 1 } });
  return typeof doc?.['v'] === 'string' ? doc['v'] : 'no-such-version';
}

// ---------------------------------------------------------------------------
// Users every property can find: reseeded before each property.

const POOL = ['fuzz-pool-1', 'fuzz-pool-2'] as const;
const POOL_CHANNELS = ['push', 'slack:team'] as const;

async function seedPool(): Promise<void> {
  for (const userId of POOL) {
    await api.identifyUser({
      userId,
      name: 'Pool User',
      email: `${userId}@example.com`,
      traitMode: TraitMode.TRAIT_MODE_REPLACE,
      properties: { plan: 'pro', seats: 3, nested: { list: [1, 'two', null, true] } },
      channelData: [
        { channelId: 'push', data: { tokens: ['token-1'] } },
        { channelId: 'slack:team', data: { url: 'https://hooks.example.com/x' } },
      ],
      preferences: [
        {
          id: 'default',
          channelTypes: { email: true, sms: false },
          workflows: { 'new-comment': { enabled: true, channelTypes: { push: false } } },
          categories: { marketing: { enabled: false, channelTypes: {} } },
        },
      ],
    });
  }
}

await seedPool();
const MERGE_PRIMARY = 'fuzz-merge-primary';
const MERGE_SECONDARY = 'fuzz-merge-secondary';
for (const userId of [MERGE_PRIMARY, MERGE_SECONDARY]) {
  await api.identifyUser({ userId, name: 'Merge', email: `${userId}@example.com`, properties: { plan: userId, nested: { a: 1 } } });
}
const firstPage = await api.listUsers({ pageSize: 1 });
/** A page token the server issued. */
const PAGE_TOKEN = firstPage.nextPageToken;

/** Valid requests of every method, encoded: the seeds of the mutation property. */
const VALID_REQUESTS: Readonly<Record<MethodKey, readonly Uint8Array[]>> = {
  identifyUser: [
    IdentifyUserRequest.encode(
      IdentifyUserRequest.fromPartial({
        userId: 'fuzz-mutant',
        name: 'Ada Lovelace',
        email: 'ada@example.com',
        avatar: 'https://example.com/a.png',
        phoneNumber: '+14155550123',
        timezone: 'Europe/London',
        locale: 'en-GB',
        properties: { plan: 'pro', seats: 3, tags: ['a', 'b'], address: { city: 'London', zip: null }, vip: true },
        traitMode: TraitMode.TRAIT_MODE_MERGE,
        unsetProperties: ['old'],
        createdAt: new Date('2020-01-02T03:04:05.678Z'),
        channelData: [{ channelId: 'push', data: { tokens: ['t'] } }],
        preferences: [{ id: 'default', channelTypes: { email: true }, workflows: { wf: { enabled: false, channelTypes: { sms: true } } } }],
      }),
    ).finish(),
    IdentifyUserRequest.encode(
      IdentifyUserRequest.fromPartial({ userId: POOL[0], traitMode: TraitMode.TRAIT_MODE_REPLACE, properties: { a: 1 }, expectedVersion: 'AAAAAAAAAAAA' }),
    ).finish(),
  ],
  getUser: [GetUserRequest.encode({ userId: POOL[0] }).finish()],
  listUsers: [
    ListUsersRequest.encode({ pageSize: 10, pageToken: PAGE_TOKEN }).finish(),
    ListUsersRequest.encode({ pageSize: 1000, pageToken: '' }).finish(),
  ],
  deleteUser: [DeleteUserRequest.encode({ userId: 'fuzz-nobody' }).finish()],
  bulkDeleteUsers: [BulkDeleteUsersRequest.encode({ userIds: ['fuzz-nobody', 'fuzz-nobody-2'] }).finish()],
  bulkIdentifyUsers: [
    BulkIdentifyUsersRequest.encode({
      users: [
        IdentifyUserRequest.fromPartial({ userId: 'fuzz-bulk-1', name: 'Ada', email: 'ada@example.com', properties: { plan: 'pro' } }),
        IdentifyUserRequest.fromPartial({ userId: POOL[0], properties: { seats: 2 }, channelData: [{ channelId: 'push', data: { t: 1 } }] }),
      ],
    }).finish(),
  ],
  getChannelData: [GetChannelDataRequest.encode({ userId: POOL[0], channelId: 'push' }).finish()],
  setChannelData: [
    SetChannelDataRequest.encode(
      SetChannelDataRequest.fromPartial({ userId: POOL[1], channelId: 'push', data: { tokens: ['x', 'y'], n: 1.5, deep: { a: [{ b: 'c' }] } } }),
    ).finish(),
  ],
  unsetChannelData: [UnsetChannelDataRequest.encode({ userId: POOL[1], channelId: 'nothing-here' }).finish()],
  getPreferences: [GetPreferencesRequest.encode({ userId: POOL[0], preferenceSetId: 'default' }).finish()],
  setPreferences: [
    SetPreferencesRequest.encode(
      SetPreferencesRequest.fromPartial({
        userId: POOL[1],
        preferenceSet: {
          id: 'ops',
          channelTypes: { email: false, push: true },
          workflows: { deploy: { enabled: true, channelTypes: { chat: true } } },
          categories: { alerts: { channelTypes: { sms: true } } },
        },
        expectedVersion: 'AAAAAAAAAAAA',
      }),
    ).finish(),
  ],
  listPreferences: [ListPreferencesRequest.encode({ userId: POOL[0] }).finish()],
  // Users of their own, so that a mutation that turns the dry run into a
  // real merge deletes none of the pool.
  mergeUsers: [
    MergeUsersRequest.encode({ primaryUserId: MERGE_PRIMARY, secondaryUserId: MERGE_SECONDARY, dryRun: true }).finish(),
    MergeUsersRequest.encode({ primaryUserId: 'fuzz-nobody', secondaryUserId: 'fuzz-nobody-2', dryRun: false }).finish(),
  ],
};

/** A string as the server receives it: the encoder writes lone surrogates as U+FFFD. */
function onTheWire(value: string): string {
  return Buffer.from(value, 'utf8').toString('utf8');
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Checks one raw call's reply; returns whether it was OK. */
function checkRawReply(method: Method, bytes: Uint8Array, reply: RawReply, tally: CodeTally): boolean {
  tally.add(reply.code);
  const where = `${method.path} with request bytes ${hex(bytes)}`;
  expectWellFormedStatus(where, reply);
  if (reply.code !== status.OK) return false;
  expect(reply.response, `${where}: OK without a response`).toBeDefined();
  if (reply.response !== undefined) method.decodeResponse(reply.response);
  return true;
}

/**
 * Sends `bytes` to every method at once and checks each reply; when no
 * writing method succeeded, the database must be exactly as before.
 */
async function sendToEveryMethod(bytes: Uint8Array, tally: CodeTally): Promise<void> {
  const before = await databaseState();
  const replies = await Promise.all(METHODS.map((method) => sendRaw(raw, method.path, bytes)));
  let wrote = false;
  replies.forEach((reply, i) => {
    const method = METHODS[i];
    if (method === undefined) return;
    if (checkRawReply(method, bytes, reply, tally) && WRITES.has(method.key)) wrote = true;
  });
  if (!wrote) expect(await databaseState(), `the database changed after ${hex(bytes)} was refused`).toBe(before);
}

// ---------------------------------------------------------------------------
// Structure-aware protobuf encodings.

type Bytes = number[];

/** A base-128 varint of the value's 64-bit two's complement (negative int64 take 10 bytes). */
function varint(value: bigint): Bytes {
  const out: Bytes = [];
  let rest = BigInt.asUintN(64, value);
  do {
    const low = Number(rest & 0x7fn);
    rest >>= 7n;
    out.push(rest > 0n ? low | 0x80 : low);
  } while (rest > 0n);
  return out;
}

function tag(fieldNumber: number, wireType: number): Bytes {
  return varint((BigInt(fieldNumber) << 3n) | BigInt(wireType));
}

/** A length-delimited field with its true length. */
function lengthDelimited(fieldNumber: number, payload: Bytes): Bytes {
  return [...tag(fieldNumber, 2), ...varint(BigInt(payload.length)), ...payload];
}

const byte = fc.integer({ min: 0, max: 255 });

/** Mostly small numbers (the fields messages have), now and then invalid or huge ones. */
const fieldNumber = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 3 }) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 15, 16, 2047, 2048, 19_000, 536_870_911) },
);

const varintBytes = fc.oneof(
  fc.bigInt({ min: 0n, max: 127n }).map(varint),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(varint),
  // Negative int64/int32: 10 bytes on the wire.
  fc.bigInt({ min: -(2n ** 63n), max: -1n }).map(varint),
  fc.constantFrom(2n ** 31n, 2n ** 32n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n).map(varint),
  // Invalid: more than 10 bytes, or a 10th byte that overflows 64 bits.
  fc
    .tuple(fc.array(fc.integer({ min: 0x80, max: 0xff }), { minLength: 10, maxLength: 12 }), fc.integer({ min: 0, max: 0x7f }))
    .map(([continued, last]) => [...continued, last]),
  fc.integer({ min: 2, max: 0x7f }).map((last) => [...Array<number>(9).fill(0xff), last]),
);

/** Bytes that are not UTF-8, between bytes that are. */
const invalidUtf8 = fc
  .tuple(
    fc.string({ maxLength: 4 }),
    fc.constantFrom(
      [0xff],
      [0xfe],
      [0x80],
      [0xc0, 0x80], // overlong NUL
      [0xc1, 0xbf],
      [0xe0, 0x80, 0x80],
      [0xed, 0xa0, 0x80], // an encoded lone surrogate (U+D800)
      [0xed, 0xbf, 0xbf],
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
      [0xe2, 0x82], // truncated sequence
      [0xf0, 0x9f, 0x98],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
    ),
    fc.string({ maxLength: 4 }),
  )
  .map(([before, bad, after]) => [...Buffer.from(before, 'utf8'), ...bad, ...Buffer.from(after, 'utf8')]);

const utf8 = fc.string({ unit: 'binary', maxLength: 24 }).map((s) => [...Buffer.from(s, 'utf8')]);

/** A packed list of varints. */
const packed = fc.array(varintBytes, { maxLength: 5 }).map((items) => items.flat());

/** How a length prefix lies: mostly it does not. */
const lengthLie = fc.oneof(
  { weight: 12, arbitrary: fc.constant(0n) },
  { weight: 1, arbitrary: fc.bigInt({ min: -3n, max: 5n }) },
  { weight: 1, arbitrary: fc.constantFrom(2n ** 31n, 2n ** 32n, 2n ** 64n - 1n) },
);

const depth = fc.createDepthIdentifier();

const { message: randomMessage } = fc.letrec<{ message: Bytes; field: Bytes; payload: Bytes }>((tie) => ({
  message: fc.array(tie('field'), { maxLength: 6, depthIdentifier: depth }).map((fields) => fields.flat()),
  field: fc.oneof(
    { weight: 3, arbitrary: fc.tuple(fieldNumber, varintBytes).map(([no, value]) => [...tag(no, 0), ...value]) },
    { weight: 1, arbitrary: fc.tuple(fieldNumber, fc.array(byte, { minLength: 8, maxLength: 8 })).map(([no, value]) => [...tag(no, 1), ...value]) },
    { weight: 1, arbitrary: fc.tuple(fieldNumber, fc.array(byte, { minLength: 4, maxLength: 4 })).map(([no, value]) => [...tag(no, 5), ...value]) },
    {
      weight: 6,
      arbitrary: fc.tuple(fieldNumber, tie('payload'), lengthLie).map(([no, payload, lie]) => {
        const length = BigInt(payload.length) + lie;
        return [...tag(no, 2), ...varint(length < 0n ? 0n : length), ...payload];
      }),
    },
    // Groups (3, 4) and the wire types that do not exist (6, 7).
    { weight: 1, arbitrary: fc.tuple(fieldNumber, fc.constantFrom(3, 4, 6, 7), fc.array(byte, { maxLength: 3 })).map(([no, wt, rest]) => [...tag(no, wt), ...rest]) },
  ),
  payload: fc.oneof(
    { maxDepth: 5, depthIdentifier: depth },
    fc.array(byte, { maxLength: 16 }),
    utf8,
    invalidUtf8,
    packed,
    tie('message'),
  ),
}));

/** A google.protobuf.Value nested `levels` deep in Structs and ListValues. */
function deepValue(levels: number, objectAt: readonly boolean[], key: Bytes): Bytes {
  let value: Bytes = [...tag(4, 0), 1]; // bool_value: true
  for (let i = 0; i < levels; i += 1) {
    if (objectAt[i % objectAt.length] ?? true) {
      const entry = [...lengthDelimited(1, key), ...lengthDelimited(2, value)];
      value = lengthDelimited(5, lengthDelimited(1, entry)); // struct_value { fields { key, value } }
    } else {
      value = lengthDelimited(6, lengthDelimited(1, value)); // list_value { values }
    }
  }
  return value;
}

/** Deep nesting: JSON in a Struct field, or any chain of length-delimited fields. */
const deepMessage = fc.oneof(
  fc
    .tuple(
      fc.integer({ min: 1, max: 120 }),
      fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
      fc.constantFrom(2, 3, 8), // SetChannelData.data, IdentifyUserRequest.properties (and what they are elsewhere)
      fc.oneof(utf8, invalidUtf8),
    )
    .map(([levels, objectAt, no, key]) =>
      // field { Struct { fields { key, value: <deep Value> } } }
      lengthDelimited(no, lengthDelimited(1, [...lengthDelimited(1, key), ...lengthDelimited(2, deepValue(levels, objectAt, key))])),
    ),
  fc
    .tuple(fc.integer({ min: 1, max: 300 }), fc.array(fc.integer({ min: 1, max: 13 }), { minLength: 1, maxLength: 4 }), randomMessage)
    .map(([levels, numbers, leaf]) => {
      let bytes = leaf;
      for (let i = 0; i < levels; i += 1) bytes = lengthDelimited(numbers[i % numbers.length] ?? 1, bytes);
      return bytes;
    }),
);

/** A random encoding, sometimes cut short. */
const structuredBytes = fc
  .tuple(fc.oneof({ weight: 4, arbitrary: randomMessage }, { weight: 1, arbitrary: deepMessage }), fc.option(fc.nat(), { freq: 4 }))
  .map(([bytes, cut]) => Uint8Array.from(cut === null ? bytes : bytes.slice(0, cut % (bytes.length + 1))));

// ---------------------------------------------------------------------------
// Mutations of valid requests.

type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly mask: number }
  | { readonly kind: 'set'; readonly at: number; readonly value: number }
  | { readonly kind: 'insert'; readonly at: number; readonly value: number }
  | { readonly kind: 'delete'; readonly at: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'duplicate'; readonly at: number; readonly length: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(0x00, 0x7f, 0x80, 0xff, 0x0a, 0x12, 0x1a, 0x22) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: byte }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
);

function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  const out = [...bytes];
  for (const m of mutations) {
    const at = m.at % (out.length + 1);
    switch (m.kind) {
      case 'flip':
        if (at < out.length) out[at] = (out[at] ?? 0) ^ m.mask;
        break;
      case 'set':
        if (at < out.length) out[at] = m.value;
        break;
      case 'insert':
        out.splice(at, 0, m.value);
        break;
      case 'delete':
        out.splice(at, 1);
        break;
      case 'truncate':
        out.length = at;
        break;
      case 'duplicate':
        out.splice(at, 0, ...out.slice(at, at + m.length));
        break;
    }
  }
  return Uint8Array.from(out);
}

const mutatedRequest = fc
  .constantFrom(...METHODS)
  .chain((method) =>
    fc.record({
      method: fc.constant(method),
      original: fc.constantFrom(...VALID_REQUESTS[method.key]),
      mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }),
    }),
  )
  .map(({ method, original, mutations }) => ({ method, bytes: mutate(original, mutations) }));

describe('raw request bytes, every method', () => {
  it('lists every method of the service', () => {
    expect(METHODS.map((m) => m.path.slice(m.path.lastIndexOf('/') + 1)).sort()).toEqual([
      'BulkDeleteUsers',
      'BulkIdentifyUsers',
      'DeleteUser',
      'GetChannelData',
      'GetPreferences',
      'GetUser',
      'IdentifyUser',
      'ListPreferences',
      'ListUsers',
      'MergeUsers',
      'SetChannelData',
      'SetPreferences',
      'UnsetChannelData',
    ]);
  });

  it('answers random bytes with a documented status and changes nothing', async () => {
    const logsAtStart = logs.length;
    const tally = new CodeTally();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), (bytes) => sendToEveryMethod(bytes, tally)),
      { numRuns: 150 },
    );
    tally.print(`random bytes × ${METHODS.length} methods`);
    await expectAlive(logsAtStart);
  }, PROPERTY_TIMEOUT_MS);

  it('answers random protobuf encodings with a documented status and changes nothing', async () => {
    const logsAtStart = logs.length;
    const tally = new CodeTally();
    await fc.assert(
      fc.asyncProperty(structuredBytes, (bytes) => sendToEveryMethod(bytes, tally)),
      { numRuns: 200 },
    );
    tally.print(`structured protobuf × ${METHODS.length} methods`);
    await expectAlive(logsAtStart);
  }, PROPERTY_TIMEOUT_MS);

  it('answers mutated valid requests with a documented status; a refused one changes nothing', async () => {
    await seedPool();
    const logsAtStart = logs.length;
    const tally = new CodeTally();
    await fc.assert(
      fc.asyncProperty(mutatedRequest, async ({ method, bytes }) => {
        const before = await databaseState();
        const reply = await sendRaw(raw, method.path, bytes);
        const ok = checkRawReply(method, bytes, reply, tally);
        if (!ok || !WRITES.has(method.key)) {
          expect(await databaseState(), `${method.path} with ${hex(bytes)} changed the database`).toBe(before);
        }
      }),
      { numRuns: 300 },
    );
    tally.print('mutated valid requests');
    await expectAlive(logsAtStart);
  }, PROPERTY_TIMEOUT_MS);
});

// ---------------------------------------------------------------------------
// Typed requests: well-shaped, hostile content.

/** Characters that trip parsers, validators and MongoDB. */
const SPECIAL_CHARS = [
  'a', 'Z', '0', '-', '.', '_', ':', '$', '@', '+', ' ', '/', '"', '\\',
  '\u0000', '\u0001', '\t', '\n', '\u007f', '\u0085', '\u00a0', '\u200b', '\u2028', '\ufeff', '\ufffd', '\uffff',
  'é', 'ß', 'İ', '中', '😀', '\u{10ffff}',
];
/** Whole strings that have broken services before. */
const SPECIAL_STRINGS = [
  '', ' ', '  ', '$x', '$', '$$NOW', '$name', '$properties.plan', 'a.b', '.', '__proto__', 'constructor', 'prototype',
  'toString', 'hasOwnProperty', 'valueOf', '\u0000', 'a\u0000b', '\ud800', '\udc00x', 'x\ud83d', 'null', 'true', '0', '-1',
  '{}', '[]', 'x'.repeat(256), 'x'.repeat(257), '😀'.repeat(256), '😀'.repeat(257),
];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const char = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...SPECIAL_CHARS) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: loneSurrogate },
);
/** Any string, full Unicode, lone surrogates included. */
const text = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: char, maxLength: 12 }) },
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 200, maxLength: 300 }) },
);
/** Mostly `valid`, sometimes anything. */
function mostly<T>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: other });
}
function optional<T>(value: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.option(value, { nil: undefined, freq: 2 });
}

const slug = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z0-9._:-]{1,12}$/) },
  { weight: 2, arbitrary: fc.constantFrom(...POOL_CHANNELS, 'default', 'email', 'x'.repeat(128), 'x'.repeat(129)) },
  { weight: 2, arbitrary: text },
);
const userId = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...POOL) },
  { weight: 3, arbitrary: fc.stringMatching(/^fz-[a-z0-9]{1,8}$/) },
  { weight: 3, arbitrary: text },
);

const jsonKey = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom('plan', 'seats', 'nested', 'a', '__proto__', 'constructor', 'toString', '$x', '$', 'a.b', '', 'x\u0000y', '\ud800', 'é', ' ', '0'),
  },
  { weight: 2, arbitrary: text },
);
const jsonDepth = fc.createDepthIdentifier();
const { json } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { maxDepth: 10, depthIdentifier: jsonDepth },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(), // NaN, ±Infinity and -0 included
    text,
    fc.array(tie('json'), { maxLength: 3, depthIdentifier: jsonDepth }),
    fc.dictionary(jsonKey, tie('json'), { maxKeys: 3, depthIdentifier: jsonDepth }),
  ),
}));
/** JSON nested `levels` deep (8 is the API's limit), in objects and arrays. */
const deepJson = fc
  .tuple(fc.integer({ min: 6, max: 12 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 3 }), json)
  .map(([levels, objectAt, leaf]) => {
    let value: unknown = leaf;
    for (let i = 0; i < levels; i += 1) value = objectAt[i % objectAt.length] ? { k: value } : [value];
    return value;
  });
const jsonObject: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  { weight: 8, arbitrary: fc.dictionary(jsonKey, json, { maxKeys: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('deep', 'd'), deepJson, { maxKeys: 2 }) },
  { weight: 1, arbitrary: fc.jsonValue().map((value) => ({ value })) },
  // Over the size limits (16 KiB channel data, 32 KiB properties).
  { weight: 1, arbitrary: fc.constantFrom({ big: 'x'.repeat(20_000) }, { big: 'x'.repeat(40_000) }) },
);

const channelTypes = fc.dictionary(
  fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...CHANNEL_TYPES) }, { weight: 1, arbitrary: text }),
  fc.boolean(),
  { maxKeys: 3 },
);
const setting = fc.record({ enabled: optional(fc.boolean()), channelTypes });
const preferenceSet: fc.Arbitrary<DeepPartial<PreferenceSet>> = fc.record({
  id: fc.oneof(fc.constantFrom('', 'default', 'ops'), slug),
  channelTypes,
  workflows: fc.dictionary(slug, setting, { maxKeys: 3 }),
  categories: fc.dictionary(slug, setting, { maxKeys: 3 }),
});

/** Replaced at run time by the stored version, so that version-checked writes can succeed. */
const CURRENT = '<current version>';
const expectedVersion = optional(fc.oneof(fc.constant(CURRENT), fc.constant('AAAAAAAAAAAA'), text));

const traitMode = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(TraitMode.TRAIT_MODE_UNSPECIFIED, TraitMode.TRAIT_MODE_MERGE, TraitMode.TRAIT_MODE_REPLACE) },
  { weight: 1, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((n) => n as TraitMode) },
);

const hostileIdentify = fc.record({
  userId,
  name: optional(mostly(fc.constantFrom('Ada', 'Zoë Ǆ', '李小龙', ' x ', '😀'), text)),
  email: optional(mostly(fc.oneof(fc.emailAddress(), fc.constantFrom('ada@example.com', 'Ada.L+x@Exämple.COM')), text)),
  avatar: optional(mostly(fc.oneof(fc.constantFrom('', 'https://example.com/a.png'), fc.webUrl()), text)),
  phoneNumber: optional(mostly(fc.oneof(fc.constant(''), fc.stringMatching(/^\+[1-9][0-9]{1,14}$/)), text)),
  timezone: optional(mostly(fc.constantFrom('', 'UTC', 'Europe/Paris', 'america/new_york', 'US/Eastern', 'Etc/GMT+5'), fc.oneof(fc.constantFrom('+01:00', 'Mars/Base'), text))),
  locale: optional(mostly(fc.constantFrom('', 'en-GB', 'EN-us', 'zh-Hant-TW', 'fr'), fc.oneof(fc.constantFrom('en_US', 'i-klingon', 'x'.repeat(65)), text))),
  properties: optional(jsonObject),
  traitMode,
  unsetProperties: fc.oneof(
    { weight: 8, arbitrary: fc.array(jsonKey, { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.constant(Array.from({ length: 101 }, (_, i) => `k${i}`)) },
  ),
  createdAt: optional(
    fc.oneof(fc.date({ min: new Date(0), max: new Date(), noInvalidDate: true }), fc.date({ noInvalidDate: true })),
  ),
  channelData: fc.oneof(
    { weight: 8, arbitrary: fc.array(fc.record({ channelId: slug, data: optional(jsonObject) }), { maxLength: 3 }) },
    // One over the limit of 50.
    { weight: 1, arbitrary: fc.constant(Array.from({ length: 51 }, (_, i) => ({ channelId: `c${i}`, data: {} }))) },
  ),
  preferences: fc.oneof(
    { weight: 8, arbitrary: fc.array(preferenceSet, { maxLength: 2 }) },
    // One over the limit of 20.
    { weight: 1, arbitrary: fc.constant(Array.from({ length: 21 }, (_, i) => ({ id: `s${i}` }))) },
  ),
  expectedVersion,
});

// Clean requests: everything validation accepts, with content that is still
// awkward (full Unicode, lone surrogates in values, "__proto__" keys, -0),
// so that accepted writes, and refusals that come only from the database
// (ABORTED, NOT_FOUND, a new user without name or email), are reached often.

/** C0 and C1 controls and DEL, which names and ids may not hold. */
function isControl(c: string): boolean {
  const code = c.codePointAt(0) ?? 0;
  return code <= 0x1f || (code >= 0x7f && code <= 0x9f);
}
const cleanText = fc.string({ unit: char.filter((c) => !isControl(c)), minLength: 1, maxLength: 16 }).filter((s) => s.trim() !== '');
const cleanUserId = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...POOL) },
  { weight: 3, arbitrary: fc.stringMatching(/^fz-[a-z0-9]{1,8}$/) },
  { weight: 2, arbitrary: cleanText },
);
const cleanSlug = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z0-9._:-]{1,12}$/) },
  { weight: 2, arbitrary: fc.constantFrom(...POOL_CHANNELS, 'default', 'x'.repeat(128)) },
);
const cleanKey = fc
  .oneof(
    fc.constantFrom('plan', 'seats', 'nested', 'a', '__proto__', 'constructor', 'toString', 'x$', 'a b', 'é', '\ud800', '\u0001', 'x'.repeat(256)),
    fc.string({ unit: char, minLength: 1, maxLength: 10 }),
  )
  .filter((key) => !key.startsWith('$') && !key.includes('.') && !key.includes('\u0000'));
const cleanDepth = fc.createDepthIdentifier();
const { cleanJson } = fc.letrec<{ cleanJson: unknown }>((tie) => ({
  cleanJson: fc.oneof(
    { maxDepth: 5, depthIdentifier: cleanDepth },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    text,
    fc.array(tie('cleanJson'), { maxLength: 3, depthIdentifier: cleanDepth }),
    fc.dictionary(cleanKey, tie('cleanJson'), { maxKeys: 3, depthIdentifier: cleanDepth }),
  ),
}));
const cleanObject = fc.dictionary(cleanKey, cleanJson, { maxKeys: 5 });
const cleanChannelTypes = fc.dictionary(fc.constantFrom(...CHANNEL_TYPES), fc.boolean(), { maxKeys: 3 });
const cleanSetting = fc.record({ enabled: optional(fc.boolean()), channelTypes: cleanChannelTypes });
const cleanPreferenceSet = fc.record({
  id: fc.oneof(fc.constantFrom('', 'default', 'ops'), cleanSlug),
  channelTypes: cleanChannelTypes,
  workflows: fc.dictionary(cleanSlug, cleanSetting, { maxKeys: 3 }),
  categories: fc.dictionary(cleanSlug, cleanSetting, { maxKeys: 3 }),
});
const cleanVersion = optional(fc.constantFrom(CURRENT, 'AAAAAAAAAAAA'));
/** Present three times in four: a new user needs both name and email. */
function likely<T>(value: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.option(value, { nil: undefined, freq: 4 });
}

const cleanIdentify = fc
  .record({
    userId: cleanUserId,
    name: likely(cleanText),
    email: likely(fc.oneof(fc.emailAddress(), fc.constantFrom('ada@example.com', 'Ada.L+x@Exämple.COM'))),
    avatar: optional(fc.oneof(fc.constantFrom('', 'https://example.com/a.png', 'http://例え.jp/π?q=1#f'), fc.webUrl())),
    phoneNumber: optional(fc.oneof(fc.constant(''), fc.stringMatching(/^\+[1-9][0-9]{1,14}$/))),
    timezone: optional(fc.constantFrom('', 'UTC', 'Europe/Paris', 'america/new_york', 'US/Eastern', 'Etc/GMT+5')),
    locale: optional(fc.constantFrom('', 'en-GB', 'EN-us', 'zh-Hant-TW', 'fr')),
    properties: optional(cleanObject),
    traitMode: fc.constantFrom(TraitMode.TRAIT_MODE_UNSPECIFIED, TraitMode.TRAIT_MODE_MERGE, TraitMode.TRAIT_MODE_REPLACE),
    unsetProperties: fc.uniqueArray(cleanKey, { maxLength: 3, selector: onTheWire }),
    createdAt: optional(fc.date({ min: new Date(0), max: new Date(), noInvalidDate: true })),
    channelData: fc.uniqueArray(fc.record({ channelId: cleanSlug, data: cleanObject }), { maxLength: 3, selector: (e) => e.channelId }),
    preferences: fc.uniqueArray(cleanPreferenceSet, { maxLength: 2, selector: (set) => set.id || 'default' }),
    expectedVersion: cleanVersion,
  })
  .map((request) => {
    // A key may not be both set and unset, and replace mode unsets nothing.
    const set = new Set(Object.keys(request.properties ?? {}).map(onTheWire));
    const unsetProperties =
      request.traitMode === TraitMode.TRAIT_MODE_REPLACE ? [] : request.unsetProperties.filter((key) => !set.has(onTheWire(key)));
    return { ...request, unsetProperties };
  });

const identifyRequest = fc.oneof(cleanIdentify, hostileIdentify);
type GeneratedIdentify = typeof identifyRequest extends fc.Arbitrary<infer T> ? T : never;

/** An identify that changes only what `fields` names. */
function identifyExample(fields: Partial<GeneratedIdentify> & { userId: string }): GeneratedIdentify {
  return {
    name: undefined,
    email: undefined,
    avatar: undefined,
    phoneNumber: undefined,
    timezone: undefined,
    locale: undefined,
    properties: undefined,
    traitMode: TraitMode.TRAIT_MODE_UNSPECIFIED,
    unsetProperties: [],
    createdAt: undefined,
    channelData: [],
    preferences: [],
    expectedVersion: undefined,
    ...fields,
  };
}

/** Cases run before the random ones, every time: keys that are JavaScript's own, and -0. */
const IDENTIFY_EXAMPLES: [GeneratedIdentify][] = [
  [identifyExample({ userId: POOL[0], properties: JSON.parse('{"__proto__": {"x": 1}, "constructor": 1, "toString": [null]}') })],
  [identifyExample({ userId: POOL[0], properties: { zero: -0, tiny: Number.MIN_VALUE, big: Number.MAX_VALUE, lone: '\ud800', '\udc00key': 1 } })],
  [identifyExample({ userId: 'fz-proto-new', name: 'a', email: 'a@a.aa', unsetProperties: ['__proto__'] })],
  [identifyExample({ userId: POOL[1], unsetProperties: ['__proto__', 'constructor'] })],
];

const setChannelDataRequest = fc.oneof(
  fc.record({ userId: cleanUserId, channelId: cleanSlug, data: cleanObject, expectedVersion: cleanVersion }),
  fc.record({ userId, channelId: slug, data: optional(jsonObject), expectedVersion }),
);

const setPreferencesRequest = fc.oneof(
  fc.record({ userId: cleanUserId, preferenceSet: cleanPreferenceSet, expectedVersion: cleanVersion }),
  fc.record({ userId, preferenceSet: optional(preferenceSet), expectedVersion }),
);

const pageToken = fc.oneof(
  fc.constant(''),
  fc.constant(PAGE_TOKEN),
  text,
  fc
    .record({ v: fc.oneof(fc.constant(1), fc.constant(2), fc.constant('1'), fc.constant(null)), after: fc.oneof(userId, fc.integer()) })
    .map((token) => Buffer.from(JSON.stringify(token), 'utf8').toString('base64url')),
);

const otherCall = fc.oneof(
  fc.record({ kind: fc.constant('getUser' as const), userId }),
  fc.record({ kind: fc.constant('deleteUser' as const), userId }),
  fc.record({ kind: fc.constant('getChannelData' as const), userId, channelId: slug }),
  fc.record({ kind: fc.constant('unsetChannelData' as const), userId, channelId: slug }),
  fc.record({ kind: fc.constant('getPreferences' as const), userId, preferenceSetId: fc.oneof(fc.constantFrom('', 'default'), slug) }),
  fc.record({ kind: fc.constant('listPreferences' as const), userId }),
  fc.record({
    kind: fc.constant('listUsers' as const),
    pageSize: fc.oneof(fc.integer({ min: -2, max: 1001 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
    pageToken,
  }),
);

/** How a typed call ended. */
interface Outcome<T> extends Ended {
  readonly value?: T;
}

async function outcome<T>(call: Promise<T>): Promise<Outcome<T>> {
  try {
    return { code: status.OK, details: '', trailers: new Metadata(), value: await call };
  } catch (thrown) {
    const error = thrown as ServiceError;
    if (typeof error.code !== 'number') throw thrown;
    return { code: error.code, details: error.details, trailers: error.metadata };
  }
}

function describeRequest(request: unknown): string {
  return fc.stringify(request);
}

describe('typed requests with hostile content', () => {
  it('IdentifyUser: documented statuses; refused calls change nothing; accepted traits read back', async () => {
    await seedPool();
    const logsAtStart = logs.length;
    const tally = new CodeTally();
    await fc.assert(
      fc.asyncProperty(identifyRequest, async (generated) => {
        const id = onTheWire(generated.userId);
        const request: DeepPartial<IdentifyUserRequest> =
          generated.expectedVersion === CURRENT
            ? { ...generated, expectedVersion: await storedVersion('users', { _id: id }) }
            : generated;
        // The request exactly as the server decodes it.
        const seen = IdentifyUserRequest.decode(IdentifyUserRequest.encode(IdentifyUserRequest.fromPartial(request)).finish());
        const before = await userState(id);
        const result = await outcome(api.identifyUser(request));
        tally.add(result.code);
        const where = `IdentifyUser ${describeRequest(request)}`;
        if (result.code !== status.OK) {
          expect(await userState(id), `${where} failed with ${status[result.code]} but changed the data`).toBe(before);
        }
        expectWellFormedStatus(where, result);
        if (result.code !== status.OK) return;
        const { user } = await api.getUser({ userId: id });
        expect(user?.id).toBe(id);
        if (seen.name !== undefined) expect(user?.name, where).toBe(seen.name);
        const stored = user?.properties ?? {};
        const sent = seen.properties ?? {};
        if (seen.traitMode === TraitMode.TRAIT_MODE_REPLACE) {
          expect(stored, where).toEqual(sent);
        } else {
          for (const key of Object.keys(sent)) expect(stored[key], `${where}: properties[${JSON.stringify(key)}]`).toEqual(sent[key]);
          for (const key of seen.unsetProperties) expect(Object.keys(stored), `${where}: unset ${JSON.stringify(key)}`).not.toContain(key);
        }
      }),
      { numRuns: 250, examples: IDENTIFY_EXAMPLES },
    );
    tally.print('IdentifyUser');
    expect(tally.count(status.OK), 'no identify was accepted: the generator is too hostile').toBeGreaterThan(0);
    await expectAlive(logsAtStart);
  }, PROPERTY_TIMEOUT_MS);

  it('SetChannelData: documented statuses; refused calls change nothing; accepted data reads back', async () => {
    await seedPool();
    const logsAtStart = logs.length;
    const tally = new CodeTally();
    await fc.assert(
      fc.asyncProperty(setChannelDataRequest, async (generated) => {
        const id = onTheWire(generated.userId);
        const request: DeepPartial<SetChannelDataRequest> =
          generated.expectedVersion === CURRENT
            ? { ...generated, expectedVersion: await storedVersion('channel_data', { userId: id, channelId: onTheWire(generated.channelId) }) }
            : generated;
        const seen = SetChannelDataRequest.decode(SetChannelDataRequest.encode(SetChannelDataRequest.fromPartial(request)).finish());
        const before = await userState(id);
        const result = await outcome(api.setChannelData(request));
        tally.add(result.code);
        const where = `SetChannelData ${describeRequest(request)}`;
        if (result.code !== status.OK) {
          expect(await userState(id), `${where} failed with ${status[result.code]} but changed the data`).toBe(before);
        }
        expectWellFormedStatus(where, result);
        if (result.code !== status.OK) return;
        const { channelData } = await api.getChannelData({ userId: id, channelId: seen.channelId });
        expect(channelData?.data, where).toEqual(seen.data);
      }),
      { numRuns: 200 },
    );
    tally.print('SetChannelData');
    expect(tally.count(status.OK)).toBeGreaterThan(0);
    await expectAlive(logsAtStart);
  }, PROPERTY_TIMEOUT_MS);

  it('SetPreferences: documented statuses; refused calls change nothing; accepted sets read back', async () => {
    await seedPool();
    const logsAtStart = logs.length;
    const tally = new CodeTally();
    await fc.assert(
      fc.asyncProperty(setPreferencesRequest, async (generated) => {
        const id = onTheWire(generated.userId);
        const setId = onTheWire(generated.preferenceSet?.id ?? '') || 'default';
        const request: DeepPartial<SetPreferencesRequest> =
          generated.expectedVersion === CURRENT
            ? { ...generated, expectedVersion: await storedVersion('preference_sets', { userId: id, setId }) }
            : generated;
        const seen = SetPreferencesRequest.decode(SetPreferencesRequest.encode(SetPreferencesRequest.fromPartial(request)).finish());
        const before = await userState(id);
        const result = await outcome(api.setPreferences(request));
        tally.add(result.code);
        const where = `SetPreferences ${describeRequest(request)}`;
        if (result.code !== status.OK) {
          expect(await userState(id), `${where} failed with ${status[result.code]} but changed the data`).toBe(before);
        }
        expectWellFormedStatus(where, result);
        if (result.code !== status.OK) return;
        const { preferenceSet: stored } = await api.getPreferences({ userId: id, preferenceSetId: setId });
        expect(stored?.id, where).toBe(setId);
        expect(stored?.channelTypes, where).toEqual(seen.preferenceSet?.channelTypes);
        expect(stored?.workflows, where).toEqual(seen.preferenceSet?.workflows);
        expect(stored?.categories, where).toEqual(seen.preferenceSet?.categories);
      }),
      { numRuns: 200 },
    );
    tally.print('SetPreferences');
    expect(tally.count(status.OK)).toBeGreaterThan(0);
    await expectAlive(logsAtStart);
  }, PROPERTY_TIMEOUT_MS);

  it('reads, deletes, unsets and lists: documented statuses; reads and refused calls change nothing', async () => {
    await seedPool();
    const logsAtStart = logs.length;
    const tally = new CodeTally();
    await fc.assert(
      fc.asyncProperty(otherCall, async (call) => {
        const id = call.kind === 'listUsers' ? undefined : onTheWire(call.userId);
        const before = id === undefined ? await databaseState() : await userState(id);
        let result: Outcome<unknown>;
        switch (call.kind) {
          case 'getUser':
            result = await outcome(api.getUser({ userId: call.userId }));
            break;
          case 'deleteUser':
            result = await outcome(api.deleteUser({ userId: call.userId }));
            break;
          case 'getChannelData':
            result = await outcome(api.getChannelData({ userId: call.userId, channelId: call.channelId }));
            break;
          case 'unsetChannelData':
            result = await outcome(api.unsetChannelData({ userId: call.userId, channelId: call.channelId }));
            break;
          case 'getPreferences':
            result = await outcome(api.getPreferences({ userId: call.userId, preferenceSetId: call.preferenceSetId }));
            break;
          case 'listPreferences':
            result = await outcome(api.listPreferences({ userId: call.userId }));
            break;
          case 'listUsers': {
            const listed = await outcome(api.listUsers({ pageSize: call.pageSize, pageToken: call.pageToken }));
            if (listed.value !== undefined) {
              expect(listed.value.users.length).toBeLessThanOrEqual(call.pageSize === 0 ? 50 : call.pageSize);
            }
            result = listed;
            break;
          }
        }
        tally.add(result.code);
        const where = `${call.kind} ${describeRequest(call)}`;
        const writes = call.kind === 'deleteUser' || call.kind === 'unsetChannelData';
        if (result.code !== status.OK || !writes) {
          const after = id === undefined ? await databaseState() : await userState(id);
          expect(after, `${where} ended ${status[result.code]} but changed the data`).toBe(before);
        }
        expectWellFormedStatus(where, result);
        if (writes && result.code === status.OK && (POOL as readonly string[]).includes(call.userId)) await seedPool();
      }),
      { numRuns: 250 },
    );
    tally.print('other calls');
    await expectAlive(logsAtStart);
  }, PROPERTY_TIMEOUT_MS);
});
