/**
 * Cursor batches of large documents. MongoDB's cursor documentation: the
 * first batch holds the lesser of 101 documents or 16 mebibytes (MiB) of
 * documents, and every later batch (getMore) at most 16 MiB; a batchSize
 * can lower that limit but never raise it. So 40 documents of ~1 MiB cannot
 * come back in one reply: the driver must walk the cursor with getMore, and
 * every document must still arrive exactly once, for find and aggregate.
 *
 * Batches are observed through the driver's command monitoring, not assumed.
 */
import { BSON, type CommandSucceededEvent, type Document } from 'mongodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../support/mongo.ts';

const { client, db } = await useTestDatabase({ clientOptions: { monitorCommands: true } });

const MIB = 1024 * 1024;
/** MongoDB's BSON document limit, which also caps a reply batch. */
const BATCH_LIMIT_BYTES = 16 * MIB;
const COUNT = 40;

type Big = { _id: number; kind: string; payload: string };

const bigs = db.collection<Big>('bigs');

// Each document is just under 1 MiB, so 16 of them fit a batch and 17 do not.
const PAYLOAD_LENGTH = MIB - 64;
function bigDoc(i: number): Big {
  return { _id: i, kind: 'big', payload: String.fromCharCode(97 + (i % 26)).repeat(PAYLOAD_LENGTH) };
}

const succeeded: CommandSucceededEvent[] = [];
client.on('commandSucceeded', (event) => {
  if (event.databaseName === db.databaseName) succeeded.push(event);
});
beforeEach(() => {
  succeeded.length = 0;
});

beforeAll(async () => {
  // Inserted in slices so no single insert message comes near 48 MB.
  for (let start = 0; start < COUNT; start += 10) {
    await bigs.insertMany(Array.from({ length: 10 }, (_, k) => bigDoc(start + k)));
  }
});

/** Every batch a cursor command (find, aggregate, getMore) returned, in order. */
function batchesOf(commandNames: readonly string[]): Document[][] {
  return succeeded
    .filter((event) => commandNames.includes(event.commandName))
    .map((event) => {
      const cursor = (event.reply as Document)['cursor'] as Document;
      return (cursor['firstBatch'] ?? cursor['nextBatch']) as Document[];
    });
}

function expectEveryBatchWithinLimit(batches: readonly Document[][]): void {
  for (const batch of batches) {
    const bytes = batch.reduce((sum, doc) => sum + BSON.calculateObjectSize(doc), 0);
    expect(bytes).toBeLessThanOrEqual(BATCH_LIMIT_BYTES);
  }
}

function expectAllBigDocs(docs: readonly Big[]): void {
  expect(docs.map((d) => d._id)).toEqual(Array.from({ length: COUNT }, (_, i) => i));
  for (const doc of docs) expect(doc).toEqual(bigDoc(doc._id));
}

describe('batches of large documents stay within 16 MiB', () => {
  it('find with the default batch size returns every document across getMore', async () => {
    const docs = await bigs.find({}).sort({ _id: 1 }).toArray();
    expectAllBigDocs(docs);
    const batches = batchesOf(['find', 'getMore']);
    // 101 documents would be the default first batch; 16 MiB stops it far sooner.
    expect(batches.length).toBeGreaterThanOrEqual(3);
    expect(batches[0]?.length).toBeLessThan(COUNT);
    expectEveryBatchWithinLimit(batches);
  });

  it('a batchSize larger than 16 MiB worth of documents is cut to 16 MiB', async () => {
    const docs = await bigs.find({ kind: 'big' }).sort({ _id: 1 }).batchSize(1000).toArray();
    expectAllBigDocs(docs);
    const batches = batchesOf(['find', 'getMore']);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    expectEveryBatchWithinLimit(batches);
  });

  it('aggregate returns every document across getMore', async () => {
    const docs = await bigs.aggregate<Big>([{ $match: { kind: 'big' } }, { $sort: { _id: 1 } }]).toArray();
    expectAllBigDocs(docs);
    const batches = batchesOf(['aggregate', 'getMore']);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    expect(batches[0]?.length).toBeLessThan(COUNT);
    expectEveryBatchWithinLimit(batches);
  });

  it('a limit spanning several batches still returns exactly that many documents', async () => {
    const docs = await bigs.find({}).sort({ _id: 1 }).skip(3).limit(30).toArray();
    expect(docs.map((d) => d._id)).toEqual(Array.from({ length: 30 }, (_, i) => i + 3));
    expectEveryBatchWithinLimit(batchesOf(['find', 'getMore']));
  });
});
