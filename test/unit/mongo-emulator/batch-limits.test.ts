/**
 * Cursor batches are cut at 16 MiB of documents, as MongoDB cuts them, so a
 * reply always fits the BSON limit: checked on the raw replies the emulator
 * writes to the socket (find, getMore, aggregate, singleBatch), and on the
 * rule itself (the first document always goes in).
 */
import { calculateObjectSize, Long } from 'bson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchLength } from '../../../src/mongo-emulator/server/cursor-registry.ts';
import { MAX_BATCH_BYTES, MAX_INTERNAL_BSON_SIZE } from '../../../src/mongo-emulator/wire/limits.ts';
import { rawEmulator, type Doc, type RawClient, type RawReply } from './raw-client.ts';

const MIB = 1024 * 1024;
const COUNT = 40;
const OP_MSG_OVERHEAD = 16 + 4 + 1; // header, flags, section kind

let env: Awaited<ReturnType<typeof rawEmulator>>;
let client: RawClient;

beforeAll(async () => {
  env = await rawEmulator();
  client = env.client;
  // ~1 MiB each: 16 fit a batch, 17 do not.
  for (let start = 0; start < COUNT; start += 10) {
    const documents = Array.from({ length: 10 }, (_, k) => ({ _id: start + k, payload: 'p'.repeat(MIB - 64) }));
    const { body } = await client.command({ insert: 'bigs', documents });
    expect(body).toMatchObject({ ok: 1, n: 10 });
  }
});
afterAll(() => env.close());

function batchOf(reply: RawReply): { id: Long; docs: Doc[] } {
  expect(reply.body['ok']).toBe(1);
  const cursor = reply.body['cursor'] as Doc;
  return { id: cursor['id'] as Long, docs: (cursor['firstBatch'] ?? cursor['nextBatch']) as Doc[] };
}

/** The raw reply respects both limits: its documents and the message around them. */
function expectWithinLimits(reply: RawReply, docs: readonly Doc[]): void {
  const bytes = docs.reduce((sum, doc) => sum + calculateObjectSize(doc), 0);
  expect(bytes).toBeLessThanOrEqual(MAX_BATCH_BYTES);
  expect(reply.messageBytes - OP_MSG_OVERHEAD).toBeLessThanOrEqual(MAX_INTERNAL_BSON_SIZE);
}

/** Follows a cursor with getMore (no batchSize) to the end; returns every batch's ids. */
async function drain(first: RawReply): Promise<number[][]> {
  let { id, docs } = batchOf(first);
  expectWithinLimits(first, docs);
  const batches = [docs.map((d) => d['_id'] as number)];
  while (!id.isZero()) {
    const reply = await client.command({ getMore: id, collection: 'bigs' });
    ({ id, docs } = batchOf(reply));
    expectWithinLimits(reply, docs);
    batches.push(docs.map((d) => d['_id'] as number));
  }
  return batches;
}

const ALL_IDS = Array.from({ length: COUNT }, (_, i) => i);

describe('raw cursor replies of ~1 MiB documents', () => {
  it('find: the default first batch of 101 stops at 16 MiB, and getMore batches too', async () => {
    const batches = await drain(await client.command({ find: 'bigs', filter: {}, sort: { _id: 1 } }));
    expect(batches[0]).toHaveLength(16);
    expect(batches.length).toBe(3);
    expect(batches.flat()).toEqual(ALL_IDS);
  });

  it('find: a batchSize above what 16 MiB holds is cut to 16 MiB', async () => {
    const first = await client.command({ find: 'bigs', filter: {}, sort: { _id: 1 }, batchSize: 1000 });
    const batches = await drain(first);
    expect(batches[0]).toHaveLength(16);
    expect(batches.flat()).toEqual(ALL_IDS);
  });

  it('aggregate: the first batch and the getMore batches stop at 16 MiB', async () => {
    const first = await client.command({ aggregate: 'bigs', pipeline: [{ $sort: { _id: 1 } }], cursor: {} });
    const batches = await drain(first);
    expect(batches[0]).toHaveLength(16);
    expect(batches.flat()).toEqual(ALL_IDS);
  });

  it('singleBatch: one batch of at most 16 MiB and no cursor', async () => {
    const reply = await client.command({ find: 'bigs', filter: {}, sort: { _id: 1 }, singleBatch: true, batchSize: 1000 });
    const { id, docs } = batchOf(reply);
    expect(id.isZero()).toBe(true);
    expect(docs).toHaveLength(16);
    expectWithinLimits(reply, docs);
  });
});

describe('batchLength', () => {
  const doc = (n: number): Doc => ({ s: 'x'.repeat(n) });
  const elementSize = (d: Doc, index: number): number => calculateObjectSize(d) + 2 + String(index).length;

  it('counts each document as an array element and stops before the one that would not fit', () => {
    const docs = [doc(100), doc(100), doc(100)];
    const two = elementSize(docs[0] as Doc, 0) + elementSize(docs[1] as Doc, 1);
    expect(batchLength(docs, 10, two)).toBe(2);
    expect(batchLength(docs, 10, two - 1)).toBe(1);
    expect(batchLength(docs, 10, two + elementSize(docs[2] as Doc, 2))).toBe(3);
  });

  it('always takes the first document, however large', () => {
    expect(batchLength([doc(1000), doc(1)], 10, 10)).toBe(1);
  });

  it('honours the count and an empty input', () => {
    expect(batchLength([doc(1), doc(1), doc(1)], 2)).toBe(2);
    expect(batchLength([doc(1)], 0)).toBe(0);
    expect(batchLength([], 101)).toBe(0);
  });
});
