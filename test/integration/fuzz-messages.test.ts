/**
 * Property-based fuzzing of every MessagesService method against the real
 * server, over a real socket: random bytes and mutations of valid requests
 * sent raw, and well-shaped requests with hostile content through the
 * generated client (CreateMessage, MarkMessages, ListMessages).
 *
 * Every call must end in a status the API documents (never INTERNAL or
 * UNKNOWN); INVALID_ARGUMENT must carry a BadRequest naming a field; a call
 * that fails must leave messages and activities exactly as they were; and
 * the server must still answer afterwards.
 */
import fc from 'fast-check';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { BSON } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AddActivityRequest,
  CreateMessageRequest,
  GetMessageRequest,
  ListActivitiesRequest,
  ListMessagesRequest,
  MarkMessagesRequest,
  MessageStatusChange,
  MessagesServiceService,
} from '../../src/gen/herald/messages/v1/messages_service.js';
import { MESSAGES_SERVICE_NAME } from '../../src/server.ts';
import { expectWellFormedStatus, type Ended } from './fuzz-support.ts';
import { startTestService } from './harness.ts';
import { createMessage, createUser } from './messages-fixtures.ts';
import { rawClient, sendRaw } from './raw-calls.ts';
import { checkHealth, healthClient } from './service-clients.ts';

const service = await startTestService();
const { messages: api, mongo, logs } = service;
const raw = rawClient(service.address);
const health = healthClient(service.address);
afterAll(() => {
  raw.close();
  health.close();
});

const PROPERTY_TIMEOUT_MS = 90_000;
type MethodKey = keyof typeof MessagesServiceService;
const METHODS = (Object.keys(MessagesServiceService) as MethodKey[]).map((key) => ({
  key,
  path: MessagesServiceService[key].path,
  decodeResponse: (bytes: Buffer): unknown => MessagesServiceService[key].responseDeserialize(bytes),
}));
const WRITES: ReadonlySet<MethodKey> = new Set(['createMessage', 'addActivity', 'markMessages']);
const DOCUMENTED = new Set<status>([status.OK, status.INVALID_ARGUMENT, status.NOT_FOUND]);

/** Documented status; INVALID_ARGUMENT with a BadRequest naming at least one field. */
function expectWellFormed(where: string, ended: Ended): void {
  expectWellFormedStatus(DOCUMENTED, where, ended);
}

/** Every message and activity stored, exactly. */
async function stored(): Promise<string> {
  const parts = await Promise.all(
    ['messages', 'activities'].map((name) => mongo.db.collection(name).find({}).sort({ _id: 1 }).toArray()),
  );
  return BSON.EJSON.stringify(parts, { relaxed: false });
}

/** The server answers health checks and a create-then-read, and logged no error since line `since`. */
async function expectAlive(since: number): Promise<void> {
  expect(await checkHealth(health, MESSAGES_SERVICE_NAME)).toBe('SERVING');
  const message = await createMessage(service, POOL[0]);
  expect((await api.getMessage({ messageId: message.id })).message?.id).toBe(message.id);
  const errors = logs.slice(since).filter((line) => typeof line['level'] === 'number' && line['level'] >= 50);
  expect(errors, 'the server logged errors').toEqual([]);
}

const POOL = [await createUser(service, 'fuzz-pool'), await createUser(service, 'fuzz-pool')] as const;
const MESSAGE = await createMessage(service, POOL[0], { activities: [{ actorId: POOL[1], data: { a: 1 } }, { data: {} }] });
const GHOST = 'ffffffffffffffffffffffff';
const { nextPageToken: TOKEN } = await api.listMessages({ recipientId: POOL[0], pageSize: 1 });

const VALID: Readonly<Record<MethodKey, Uint8Array>> = {
  createMessage: CreateMessageRequest.encode(
    CreateMessageRequest.fromPartial({
      recipientId: POOL[0],
      channelId: 'in-app-feed',
      data: { workflow: 'w', nested: { list: [1, 'two', null, true] } },
      activities: [{ actorId: POOL[1], data: { comment: 'hi' } }, { data: {} }],
    }),
  ).finish(),
  addActivity: AddActivityRequest.encode(AddActivityRequest.fromPartial({ messageId: MESSAGE.id, activity: { actorId: POOL[0], data: { x: 1 } } })).finish(),
  getMessage: GetMessageRequest.encode({ messageId: MESSAGE.id }).finish(),
  listMessages: ListMessagesRequest.encode({ recipientId: POOL[0], pageSize: 10, pageToken: '', channelId: 'in-app-feed', seen: false }).finish(),
  markMessages: MarkMessagesRequest.encode({ messageIds: [MESSAGE.id, GHOST], change: MessageStatusChange.MESSAGE_STATUS_CHANGE_READ }).finish(),
  listActivities: ListActivitiesRequest.encode({ messageId: MESSAGE.id, pageSize: 1, pageToken: '' }).finish(),
};

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Sends `bytes` to `method` raw; a refused call, or any call of a reading method, must change nothing. */
async function sendAndCheck(method: (typeof METHODS)[number], bytes: Uint8Array, codes: Map<string, number>): Promise<void> {
  const before = await stored();
  const reply = await sendRaw(raw, method.path, bytes);
  codes.set(status[reply.code], (codes.get(status[reply.code]) ?? 0) + 1);
  const where = `${method.path} with ${hex(bytes)}`;
  expectWellFormed(where, reply);
  if (reply.code === status.OK && reply.response !== undefined) method.decodeResponse(reply.response);
  if (reply.code !== status.OK || !WRITES.has(method.key)) expect(await stored(), `${where} changed the data`).toBe(before);
}

const mutation = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('flip', 'insert', 'delete', 'truncate', 'duplicate'),
  value: fc.integer({ min: 0, max: 255 }),
});

function mutate(bytes: Uint8Array, mutations: readonly { at: number; kind: string; value: number }[]): Uint8Array {
  const out = [...bytes];
  for (const m of mutations) {
    const at = m.at % (out.length + 1);
    if (m.kind === 'flip' && at < out.length) out[at] = (out[at] ?? 0) ^ (m.value || 1);
    else if (m.kind === 'insert') out.splice(at, 0, m.value);
    else if (m.kind === 'delete') out.splice(at, 1);
    else if (m.kind === 'truncate') out.length = at;
    else if (m.kind === 'duplicate') out.splice(at, 0, ...out.slice(at, at + 1 + (m.value % 16)));
  }
  return Uint8Array.from(out);
}

describe('raw request bytes, every MessagesService method', () => {
  it('lists every method of the service', () => {
    expect(METHODS.map((m) => m.key).sort()).toEqual(['addActivity', 'createMessage', 'getMessage', 'listActivities', 'listMessages', 'markMessages']);
  });

  it('answers random bytes with a documented status and changes nothing', async () => {
    const since = logs.length;
    const codes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), fc.uint8Array({ maxLength: 200 }), (method, bytes) => sendAndCheck(method, bytes, codes)),
      { numRuns: 150 },
    );
    console.log('[fuzz] messages random bytes:', Object.fromEntries(codes));
    await expectAlive(since);
  }, PROPERTY_TIMEOUT_MS);

  it('answers mutated valid requests with a documented status; a refused one changes nothing', async () => {
    const since = logs.length;
    const codes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), fc.array(mutation, { minLength: 1, maxLength: 4 }), (method, mutations) =>
        sendAndCheck(method, mutate(VALID[method.key], mutations), codes),
      ),
      { numRuns: 300 },
    );
    console.log('[fuzz] messages mutated requests:', Object.fromEntries(codes));
    expect(codes.get('OK') ?? 0, 'no mutant was accepted: the mutations are too coarse').toBeGreaterThan(0);
    await expectAlive(since);
  }, PROPERTY_TIMEOUT_MS);
});

// ---------------------------------------------------------------------------
// Typed requests: well-shaped, hostile content.

const SPECIAL = ['', ' ', '\u200b', '$x', '$', 'a.b', '__proto__', 'constructor', 'toString', '\u0000', 'a\u0000b', '\ud800', '\u0007x', 'é', '😀', 'x'.repeat(256), 'x'.repeat(257)];
const text = fc.oneof(fc.constantFrom(...SPECIAL), fc.string({ unit: 'binary', maxLength: 12 }));
/** A user id: mostly one that exists, sometimes anything. */
const userId = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...POOL) }, { weight: 1, arbitrary: fc.constant('nobody') }, { weight: 2, arbitrary: text });
const key = fc.oneof(fc.constantFrom('plan', 'n', ...SPECIAL), fc.string({ maxLength: 6 }));
const jsonDepth = fc.createDepthIdentifier();
const { json } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { maxDepth: 10, depthIdentifier: jsonDepth },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    text,
    fc.array(tie('json'), { maxLength: 3, depthIdentifier: jsonDepth }),
    fc.dictionary(key, tie('json'), { maxKeys: 3, depthIdentifier: jsonDepth }),
  ),
}));
const data = fc.option(fc.dictionary(key, json, { maxKeys: 4 }), { nil: undefined });
const activity = fc.record({ actorId: fc.option(userId, { nil: undefined }), data });
const cleanKey = fc.constantFrom('plan', 'n', 'é', '__proto__', 'toString', 'a b', 'x$', '😀');
const cleanDepth = fc.createDepthIdentifier();
const { cleanJson } = fc.letrec<{ cleanJson: unknown }>((tie) => ({
  cleanJson: fc.oneof(
    { maxDepth: 4, depthIdentifier: cleanDepth },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ maxLength: 8 }),
    fc.array(tie('cleanJson'), { maxLength: 3, depthIdentifier: cleanDepth }),
    fc.dictionary(cleanKey, tie('cleanJson'), { maxKeys: 3, depthIdentifier: cleanDepth }),
  ),
}));
const cleanData = fc.option(fc.dictionary(cleanKey, cleanJson, { maxKeys: 4 }), { nil: undefined });
const cleanCreate = fc.record({
  recipientId: fc.constantFrom(...POOL),
  channelId: fc.constantFrom('in-app-feed', 'feed:b', 'Équipe 🚀'),
  data: cleanData,
  activities: fc.array(fc.record({ actorId: fc.option(fc.constantFrom(...POOL), { nil: undefined }), data: cleanData }), { minLength: 1, maxLength: 3 }),
});
const hostileCreate = fc.record({
  recipientId: userId,
  channelId: fc.oneof(fc.constantFrom('in-app-feed', 'feed:b'), text),
  data,
  activities: fc.array(activity, { maxLength: 4 }),
});
const createRequest = fc.oneof(cleanCreate, hostileCreate);
const messageId = fc.oneof(fc.constant(MESSAGE.id), fc.constant(GHOST), fc.stringMatching(/^[0-9a-f]{24}$/), text, fc.constant(MESSAGE.id.toUpperCase()));
const markRequest = fc.oneof(
  fc.record({
    messageIds: fc.uniqueArray(fc.oneof(fc.constant(MESSAGE.id), fc.constant(GHOST), fc.stringMatching(/^[0-9a-f]{24}$/)), { minLength: 1, maxLength: 5 }),
    change: fc.integer({ min: 1, max: 6 }) as fc.Arbitrary<MessageStatusChange>,
  }),
  fc.record({
    messageIds: fc.array(messageId, { maxLength: 5 }),
    change: fc.integer({ min: -1, max: 8 }) as fc.Arbitrary<MessageStatusChange>,
  }),
);
const listRequest = fc.record({
  recipientId: userId,
  pageSize: fc.oneof(fc.integer({ min: -2, max: 102 }), fc.integer()),
  pageToken: fc.oneof(fc.constant(''), fc.constant(TOKEN), text),
  channelId: fc.option(fc.oneof(fc.constant('in-app-feed'), text), { nil: undefined }),
  seen: fc.option(fc.boolean(), { nil: undefined }),
  read: fc.option(fc.boolean(), { nil: undefined }),
  archived: fc.option(fc.boolean(), { nil: undefined }),
});

async function outcome<T>(call: Promise<T>): Promise<Ended & { value?: T }> {
  try {
    return { code: status.OK, details: '', trailers: new Metadata(), value: await call };
  } catch (thrown) {
    const error = thrown as ServiceError;
    if (typeof error.code !== 'number') throw thrown;
    return { code: error.code, details: error.details, trailers: error.metadata };
  }
}

describe('typed requests with hostile content', () => {
  it('CreateMessage: documented statuses; refused calls change nothing; accepted data reads back', async () => {
    const since = logs.length;
    const codes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(createRequest, async (request) => {
        const before = await stored();
        const result = await outcome(api.createMessage(request));
        codes.set(status[result.code], (codes.get(status[result.code]) ?? 0) + 1);
        const where = `CreateMessage ${fc.stringify(request)}`;
        expectWellFormed(where, result);
        if (result.code !== status.OK) {
          expect(await stored(), `${where} failed but changed the data`).toBe(before);
          return;
        }
        // What the server decoded is what it stored.
        const seen = CreateMessageRequest.decode(CreateMessageRequest.encode(CreateMessageRequest.fromPartial(request)).finish());
        const message = result.value?.message;
        expect(message?.data, where).toEqual(seen.data ?? {});
        const { message: got } = await api.getMessage({ messageId: message?.id ?? '' });
        expect(got, where).toEqual(message);
        expect(result.value?.activities.map((a) => a.data)).toEqual(seen.activities.map((a) => a.data ?? {}));
      }),
      { numRuns: 200 },
    );
    console.log('[fuzz] CreateMessage:', Object.fromEntries(codes));
    expect(codes.get('OK') ?? 0, 'no message was accepted: the generator is too hostile').toBeGreaterThan(0);
    await expectAlive(since);
  }, PROPERTY_TIMEOUT_MS);

  it('MarkMessages and ListMessages: documented statuses; refused calls and lists change nothing', async () => {
    const since = logs.length;
    const codes = new Map<string, number>();
    const call = fc.oneof(
      markRequest.map((request) => ({ kind: 'mark' as const, request })),
      listRequest.map((request) => ({ kind: 'list' as const, request })),
    );
    await fc.assert(
      fc.asyncProperty(call, async (generated) => {
        const before = await stored();
        const result =
          generated.kind === 'mark' ? await outcome(api.markMessages(generated.request)) : await outcome(api.listMessages(generated.request));
        codes.set(`${generated.kind} ${status[result.code]}`, (codes.get(`${generated.kind} ${status[result.code]}`) ?? 0) + 1);
        const where = `${generated.kind} ${fc.stringify(generated.request)}`;
        expectWellFormed(where, result);
        if (result.code !== status.OK || generated.kind === 'list') expect(await stored(), `${where} changed the data`).toBe(before);
      }),
      { numRuns: 250 },
    );
    console.log('[fuzz] MarkMessages / ListMessages:', Object.fromEntries(codes));
    expect(codes.get('mark OK') ?? 0).toBeGreaterThan(0);
    expect(codes.get('list OK') ?? 0).toBeGreaterThan(0);
    await expectAlive(since);
  }, PROPERTY_TIMEOUT_MS);
});
