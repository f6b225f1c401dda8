/**
 * Cursors: find with batchSize, getMore until the cursor id is 0,
 * killCursors, and sort / skip / limit / projection, following MongoDB's
 * find, getMore and killCursors command references. Commands are observed
 * through the driver's command monitoring, not assumed.
 */
import { Long, type ClientSession, type CommandStartedEvent, type CommandSucceededEvent, type Document } from 'mongodb';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../support/mongo.ts';
import { serverError } from './server-error.ts';

const { client, db } = await useTestDatabase({ clientOptions: { monitorCommands: true } });

type Item = { _id: number; group: string; score?: number; label: string; secret: string };

const items = db.collection<Item>('items');
const TOTAL = 25;

const started: CommandStartedEvent[] = [];
const succeeded: CommandSucceededEvent[] = [];
client.on('commandStarted', (event) => started.push(event));
client.on('commandSucceeded', (event) => succeeded.push(event));
beforeEach(() => {
  started.length = 0;
  succeeded.length = 0;
});

function commandsNamed(name: string): CommandStartedEvent[] {
  return started.filter((event) => event.commandName === name && event.databaseName === db.databaseName);
}

beforeAll(async () => {
  const docs: Item[] = [];
  for (let i = 0; i < TOTAL; i += 1) {
    // score missing on every fifth document, to check where missing sorts.
    docs.push({
      _id: i,
      group: i % 2 === 0 ? 'even' : 'odd',
      ...(i % 5 === 0 ? {} : { score: (i * 7) % 11 }),
      label: `item-${i}`,
      secret: `s${i}`,
    });
  }
  await items.insertMany(docs);
});

describe('batches and getMore (raw commands)', () => {
  // MongoDB accepts getMore and killCursors only from the session that
  // opened the cursor, so each test sends its raw commands on one explicit
  // session rather than relying on the driver's implicit-session pool.
  let session: ClientSession;
  beforeEach(() => {
    session = client.startSession();
  });
  afterEach(async () => {
    await session.endSession();
  });

  it('find returns batchSize documents and a live cursor; getMore continues until id 0', async () => {
    const options = { promoteLongs: false, session };
    const first = await db.command({ find: 'items', filter: {}, sort: { _id: 1 }, batchSize: 10 }, options);
    const cursor = first['cursor'] as { id: Long; ns: string; firstBatch: Item[] };
    expect(cursor.ns).toBe(`${db.databaseName}.items`);
    expect(cursor.firstBatch.map((d) => d._id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(cursor.id).toBeInstanceOf(Long);
    expect(cursor.id.isZero()).toBe(false);

    const second = await db.command({ getMore: cursor.id, collection: 'items', batchSize: 10 }, options);
    const next = second['cursor'] as { id: Long; nextBatch: Item[] };
    expect(next.nextBatch.map((d) => d._id)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(next.id.equals(cursor.id)).toBe(true);

    const third = await db.command({ getMore: cursor.id, collection: 'items', batchSize: 10 }, options);
    const last = third['cursor'] as { id: Long; nextBatch: Item[] };
    expect(last.nextBatch.map((d) => d._id)).toEqual([20, 21, 22, 23, 24]);
    expect(last.id.isZero()).toBe(true);
  });

  it('a find that fits in its first batch closes the cursor at once', async () => {
    const reply = await db.command({ find: 'items', filter: { _id: { $lt: 3 } } }, { promoteLongs: false, session });
    const cursor = reply['cursor'] as { id: Long; firstBatch: Item[] };
    expect(cursor.firstBatch).toHaveLength(3);
    expect(cursor.id.isZero()).toBe(true);
  });

  it('killCursors kills a live cursor, and getMore on it then fails with 43 CursorNotFound', async () => {
    const reply = await db.command({ find: 'items', filter: {}, batchSize: 2 }, { promoteLongs: false, session });
    const id = (reply['cursor'] as { id: Long }).id;
    expect(id.isZero()).toBe(false);
    const killed = await db.command({ killCursors: 'items', cursors: [id] }, { promoteLongs: false, session });
    expect(killed['ok']).toBe(1);
    expect((killed['cursorsKilled'] as Long[]).map(String)).toEqual([String(id)]);
    expect(killed['cursorsNotFound']).toEqual([]);
    const error = await serverError(db.command({ getMore: id, collection: 'items' }, { session }));
    expect(error.code).toBe(43);
    expect(error.codeName).toBe('CursorNotFound');
  });
});

describe('driver cursors', () => {
  it('a find spanning several batches returns every document exactly once', async () => {
    const ids = (await items.find({}, { batchSize: 4 }).toArray()).map((d) => d._id);
    expect(ids).toHaveLength(TOTAL);
    expect(new Set(ids).size).toBe(TOTAL);
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: TOTAL }, (_, i) => i));
    expect(commandsNamed('getMore').length).toBeGreaterThanOrEqual(Math.ceil(TOTAL / 4) - 1);
    for (const getMore of commandsNamed('getMore')) expect(getMore.command['batchSize']).toBe(4);
  });

  it('iterating with for await walks the batches in sort order', async () => {
    const seen: number[] = [];
    for await (const doc of items.find({ group: 'odd' }).sort({ _id: -1 }).batchSize(3)) seen.push(doc._id);
    expect(seen).toEqual([23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1]);
    expect(commandsNamed('getMore').length).toBeGreaterThanOrEqual(3);
  });

  it('closing a cursor early sends killCursors for its id', async () => {
    const cursor = items.find({}).batchSize(2);
    expect((await cursor.next())?._id).toEqual(expect.any(Number));
    const id = cursor.id;
    expect(id === undefined || id.isZero()).toBe(false);
    await cursor.close();
    const kills = commandsNamed('killCursors');
    expect(kills).toHaveLength(1);
    expect((kills[0]?.command['cursors'] as Long[]).map(String)).toEqual([String(id)]);
    const reply = succeeded.find((event) => event.commandName === 'killCursors')?.reply as Document | undefined;
    expect((reply?.['cursorsKilled'] as Long[] | undefined)?.map(String)).toEqual([String(id)]);
  });
});

describe('sort, skip, limit, projection', () => {
  it('sorts on several keys, ascending and descending', async () => {
    const docs = await items.find({ _id: { $lt: 10 } }).sort({ group: 1, _id: -1 }).toArray();
    expect(docs.map((d) => d._id)).toEqual([8, 6, 4, 2, 0, 9, 7, 5, 3, 1]);
  });

  it('puts documents missing the sort field first in ascending order', async () => {
    const docs = await items.find({}).sort({ score: 1, _id: 1 }).limit(5).toArray();
    expect(docs.map((d) => d._id)).toEqual([0, 5, 10, 15, 20]);
  });

  it('skip and limit page through the sorted results', async () => {
    const page = (await items.find({}).sort({ _id: 1 }).skip(5).limit(4).toArray()).map((d) => d._id);
    expect(page).toEqual([5, 6, 7, 8]);
    const tail = (await items.find({}).sort({ _id: 1 }).skip(TOTAL - 2).limit(10).toArray()).map((d) => d._id);
    expect(tail).toEqual([TOTAL - 2, TOTAL - 1]);
  });

  it('limit is honoured across batches', async () => {
    const docs = await items.find({}).sort({ _id: 1 }).limit(7).batchSize(3).toArray();
    expect(docs.map((d) => d._id)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('an inclusion projection returns the named fields and _id', async () => {
    expect(await items.findOne({ _id: 3 }, { projection: { label: 1 } })).toEqual({ _id: 3, label: 'item-3' });
  });

  it('an exclusion projection returns everything else', async () => {
    expect(await items.findOne({ _id: 3 }, { projection: { secret: 0, score: 0 } })).toEqual({
      _id: 3,
      group: 'odd',
      label: 'item-3',
    });
  });

  it('_id: 0 drops _id from an inclusion projection', async () => {
    expect(await items.find({ _id: { $in: [1, 2] } }, { projection: { _id: 0, label: 1 } }).sort({ _id: 1 }).toArray()).toEqual([
      { label: 'item-1' },
      { label: 'item-2' },
    ]);
  });
});
