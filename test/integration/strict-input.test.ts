/**
 * Every byte accepted is kept exactly: requests that ts-proto's decoders
 * would have quietly changed (invalid UTF-8, a "__proto__" key, a Value
 * with no kind, a Timestamp out of range, nesting hundreds deep, lists far
 * over their limits) are refused with INVALID_ARGUMENT naming the field,
 * logged, and change nothing. Raw bytes are built by hand where no
 * well-behaved client could send them.
 */
import { status } from '@grpc/grpc-js';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeStatusDetails, type StatusDetails } from '../../src/errors/grpc-status.ts';
import { IdentifyUserRequest } from '../../src/gen/herald/users/v1/users_service.js';
import { counts, newUser, uniqueId } from './fixtures.ts';
import { startTestService } from './harness.ts';
import { rawClient, sendRaw } from './raw-calls.ts';

const service = await startTestService();
const { api, mongo, logs } = service;

const IDENTIFY = '/herald.users.v1.UsersService/IdentifyUser';
const GET_USER = '/herald.users.v1.UsersService/GetUser';

const raw = rawClient(service.address);
afterAll(() => raw.close());

/** Sends `bytes` as the request of `path` unchanged; resolves with the status and its decoded details. */
async function rawCall(path: string, bytes: Uint8Array): Promise<{ code: status; details: StatusDetails | undefined }> {
  const reply = await sendRaw(raw, path, bytes);
  return { code: reply.code, details: decodeStatusDetails(reply.trailers) };
}

/** The encoding of an IdentifyUserRequest for a new user, with `extra` appended by the caller. */
function identifyBytes(userId: Uint8Array | string, write: (w: BinaryWriter) => void = () => undefined): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, WireType.LengthDelimited);
  if (typeof userId === 'string') w.string(userId);
  else w.bytes(userId);
  w.tag(2, WireType.LengthDelimited).string('Vic');
  w.tag(3, WireType.LengthDelimited).string('vic@example.com');
  write(w);
  return w.finish();
}

/** Struct { key: Value } entries written by `value` into field 8 (properties). */
function properties(w: BinaryWriter, key: string, value: (v: BinaryWriter) => void): void {
  w.tag(8, WireType.LengthDelimited).fork();
  w.tag(1, WireType.LengthDelimited).fork(); // map entry
  w.tag(1, WireType.LengthDelimited).string(key);
  w.tag(2, WireType.LengthDelimited).fork();
  value(w);
  w.join().join().join();
}

function violation(result: { code: status; details?: StatusDetails | undefined }): { field: string; reason: string } {
  expect(result.code).toBe(status.INVALID_ARGUMENT);
  const first = result.details?.badRequest?.fieldViolations[0];
  if (first === undefined) return expect.fail('no field violation in the details');
  return { field: first.field, reason: first.reason };
}

describe('invalid UTF-8', () => {
  it('refuses an id with invalid UTF-8 instead of folding it into another user', async () => {
    const base = uniqueId('vic');
    const first = await rawCall(IDENTIFY, identifyBytes(Buffer.concat([Buffer.from(base), Buffer.from([0xff])])));
    const second = await rawCall(IDENTIFY, identifyBytes(Buffer.concat([Buffer.from(base), Buffer.from([0xfe])])));
    expect(violation(first)).toEqual({ field: 'user_id', reason: 'INVALID_UTF8' });
    expect(violation(second)).toEqual({ field: 'user_id', reason: 'INVALID_UTF8' });
    // Before, both became `${base}\uFFFD` and the second overwrote the first.
    expect(await counts(mongo.db, `${base}\uFFFD`)).toMatchObject({ users: 0 });
  });

  it('names the field for invalid UTF-8 in a property key, a string value and a nested list', async () => {
    const userId = uniqueId();
    const bad = Buffer.from([0x61, 0xc3, 0x28]); // "a" then a broken two-byte sequence
    const result = await rawCall(
      IDENTIFY,
      identifyBytes(userId, (w) =>
        properties(w, 'tags', (v) => {
          v.tag(6, WireType.LengthDelimited).fork(); // list_value
          v.tag(1, WireType.LengthDelimited).fork().tag(3, WireType.LengthDelimited).bytes(bad).join();
          v.join();
        }),
      ),
    );
    expect(violation(result)).toEqual({ field: 'properties.tags[0]', reason: 'INVALID_UTF8' });
    expect(await counts(mongo.db, userId)).toMatchObject({ users: 0 });
  });

  it('refuses invalid UTF-8 in GetUser too (every method is checked)', async () => {
    const w = new BinaryWriter();
    w.tag(1, WireType.LengthDelimited).bytes(Buffer.from([0x75, 0xed, 0xa0, 0x80])); // an encoded surrogate
    expect(violation(await rawCall(GET_USER, w.finish()))).toEqual({ field: 'user_id', reason: 'INVALID_UTF8' });
  });
});

describe('every key is kept as data', () => {
  it('stores and returns a "__proto__" property key, top level and nested', async () => {
    const request = newUser({
      properties: JSON.parse('{"__proto__": {"__proto__": 1, "x": 2}, "plan": "pro"}') as Record<string, unknown>,
    });
    await api.identifyUser(request);
    const { user } = await api.getUser({ userId: request.userId });
    expect(Object.keys(user?.properties ?? {}).sort()).toEqual(['__proto__', 'plan']);
    expect(JSON.stringify(user?.properties)).toBe('{"__proto__":{"__proto__":1,"x":2},"plan":"pro"}');
    // And it is stored as a key, not lost on the way to MongoDB.
    const stored = await mongo.db.collection<{ _id: string; properties: object }>('users').findOne({ _id: request.userId });
    expect(Object.keys(stored?.properties ?? {})).toContain('__proto__');
  });

  it('refuses a Value with no kind set, naming its path', async () => {
    const userId = uniqueId();
    const result = await rawCall(IDENTIFY, identifyBytes(userId, (w) => properties(w, 'plan', () => undefined)));
    expect(violation(result)).toEqual({ field: 'properties.plan', reason: 'INVALID_VALUE' });
    expect(await counts(mongo.db, userId)).toMatchObject({ users: 0 });
  });

  it('refuses a key sent twice in one Struct rather than keep only the last', async () => {
    const userId = uniqueId();
    const entry = (value: string): Uint8Array =>
      new BinaryWriter()
        .tag(1, WireType.LengthDelimited).string('plan')
        .tag(2, WireType.LengthDelimited).fork().tag(3, WireType.LengthDelimited).string(value).join()
        .finish();
    const result = await rawCall(
      IDENTIFY,
      identifyBytes(userId, (w) => {
        w.tag(8, WireType.LengthDelimited).fork();
        w.tag(1, WireType.LengthDelimited).bytes(entry('a'));
        w.tag(1, WireType.LengthDelimited).bytes(entry('b'));
        w.join();
      }),
    );
    expect(violation(result)).toEqual({ field: 'properties.plan', reason: 'DUPLICATE' });
    expect(await counts(mongo.db, userId)).toMatchObject({ users: 0 });
  });

  it('refuses a field sent twice rather than keep only the last', async () => {
    const result = await rawCall(IDENTIFY, identifyBytes(uniqueId(), (w) => w.tag(2, WireType.LengthDelimited).string('Other')));
    expect(violation(result)).toEqual({ field: 'name', reason: 'DUPLICATE' });
  });

  it('refuses a field number the API does not have, rather than drop it', async () => {
    const result = await rawCall(IDENTIFY, identifyBytes(uniqueId(), (w) => w.tag(99, WireType.Varint).uint32(1)));
    expect(violation(result)).toEqual({ field: '#99', reason: 'UNKNOWN_FIELD' });
  });
});

describe('timestamps', () => {
  it('refuses created_at with nanos outside 0..999,999,999 instead of storing it shifted', async () => {
    const userId = uniqueId();
    const bytes = identifyBytes(userId, (w) => {
      w.tag(11, WireType.LengthDelimited).fork().tag(1, WireType.Varint).int64(1_700_000_000).tag(2, WireType.Varint).int64(-5_000_000_000).join();
    });
    expect(violation(await rawCall(IDENTIFY, bytes))).toEqual({ field: 'created_at.nanos', reason: 'OUT_OF_RANGE' });
    expect(await counts(mongo.db, userId)).toMatchObject({ users: 0 });
  });

  it('refuses seconds outside the years 1 to 9999', async () => {
    const bytes = identifyBytes(uniqueId(), (w) => {
      w.tag(11, WireType.LengthDelimited).fork().tag(1, WireType.Varint).int64(300_000_000_000).join();
    });
    expect(violation(await rawCall(IDENTIFY, bytes))).toEqual({ field: 'created_at.seconds', reason: 'OUT_OF_RANGE' });
  });
});

describe('deep and oversized requests', () => {
  it('answers a Struct nested 150 levels with INVALID_ARGUMENT and a log line, not INTERNAL', async () => {
    let nested: unknown = 1;
    for (let i = 0; i < 150; i += 1) nested = { a: nested };
    const userId = uniqueId();
    const bytes = IdentifyUserRequest.encode(IdentifyUserRequest.fromPartial({ ...newUser({ userId }), properties: nested as Record<string, unknown> })).finish();
    const result = await rawCall(IDENTIFY, bytes);
    const { reason, field } = violation(result);
    expect(reason).toBe('TOO_DEEP');
    expect(field.startsWith('properties.a.a.a')).toBe(true);
    expect(logs.some((l) => l['method'] === 'IdentifyUser' && l['code'] === 'INVALID_ARGUMENT' && l['reason'] === 'INVALID_ARGUMENT')).toBe(true);
  });

  it('rejects 170,000 channel data entries by counting them, naming the count', async () => {
    const userId = uniqueId();
    // Each entry is also invalid on its own (a bad channel id): reading them would report those too.
    const entry = new BinaryWriter().tag(1, WireType.LengthDelimited).string('no spaces!').tag(2, WireType.LengthDelimited).bytes(new Uint8Array()).finish();
    const bytes = identifyBytes(userId, (w) => {
      for (let i = 0; i < 170_000; i += 1) w.tag(12, WireType.LengthDelimited).bytes(entry);
    });
    expect(bytes.length).toBeGreaterThan(1_000_000);
    // While ten such calls are checked, a GetUser still gets through: the check never walks an entry past the limit.
    const heavy = Array.from({ length: 10 }, () => rawCall(IDENTIFY, bytes));
    await expect(api.getUser({ userId: uniqueId() })).rejects.toMatchObject({ code: status.NOT_FOUND });
    for (const result of await Promise.all(heavy)) {
      // The count alone: no entry was read, so none of their own problems is reported.
      expect(result.details?.badRequest?.fieldViolations).toEqual([
        { field: 'channel_data', reason: 'TOO_MANY', description: 'has 170000 entries, at most 50 are allowed' },
      ]);
      expect(result.details?.errorInfo?.metadata['omitted_violations']).toBeUndefined();
    }
  });

  it('refuses properties too large on the wire for their JSON limit without reading them', async () => {
    const userId = uniqueId();
    const big = 'x'.repeat(250 * 1024);
    // The key is invalid too: reading the value would report it.
    const result = await rawCall(IDENTIFY, identifyBytes(userId, (w) => properties(w, '$blob', (v) => v.tag(3, WireType.LengthDelimited).string(big))));
    expect(result.details?.badRequest?.fieldViolations.map((f) => [f.field, f.reason])).toEqual([['properties', 'TOO_LARGE']]);
  });

  it('answers a truncated message with MALFORMED, not INTERNAL', async () => {
    const bytes = identifyBytes(uniqueId());
    const result = await rawCall(IDENTIFY, bytes.subarray(0, bytes.length - 3));
    expect(violation(result).reason).toBe('MALFORMED');
  });
});

describe('ListUsers replies fit the default 4 MiB receive limit', () => {
  it('stops a page of 1000 users with 31 KiB of traits each at the byte budget and continues with the token', async () => {
    const prefix = uniqueId('big');
    const blob = 'y'.repeat(31 * 1024);
    for (let i = 0; i < 150; i += 1) {
      await api.identifyUser(newUser({ userId: `${prefix}-${String(i).padStart(3, '0')}`, properties: { blob } }));
    }
    const seen: string[] = [];
    let pageToken = '';
    let pages = 0;
    do {
      // The default client (4 MiB receive limit) must accept every page.
      const page = await api.listUsers({ pageSize: 1000, pageToken });
      expect(page.users.length).toBeGreaterThan(0);
      seen.push(...page.users.map((u) => u.id).filter((id) => id.startsWith(prefix)));
      pageToken = page.nextPageToken;
      pages += 1;
    } while (pageToken !== '');
    expect(pages).toBeGreaterThan(1);
    expect(seen).toEqual(Array.from({ length: 150 }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`));
  });
});
