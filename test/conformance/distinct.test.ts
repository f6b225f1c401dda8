/**
 * The distinct command, from MongoDB's reference: the distinct values of a
 * field over the documents a query selects; each element of an array value
 * is a value of its own (an array inside it stays one value); dotted keys
 * reach into embedded documents; it runs in transactions and, outside them,
 * with read concern "snapshot" (5.0+), reporting atClusterTime in the reply.
 * The order of the values is unspecified, so the tests sort them.
 */
import { Double, Int32, Long, Timestamp } from 'mongodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../support/mongo.ts';
import { unlessDocumentdb } from '../support/documentdb-departures.ts';

const { client, db } = await useTestDatabase();

interface Item {
  _id: number;
  dept?: string;
  sizes?: unknown;
  item?: { sku: string };
}
const inventory = db.collection<Item>('distinct_inventory');

function sorted(values: unknown[]): unknown[] {
  return [...values].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

beforeAll(async () => {
  await inventory.insertMany([
    { _id: 1, dept: 'A', item: { sku: '111' }, sizes: ['S', 'M'] },
    { _id: 2, dept: 'A', item: { sku: '111' }, sizes: ['M', 'L'] },
    { _id: 3, dept: 'B', item: { sku: '222' }, sizes: 'S' },
    { _id: 4, dept: 'A', item: { sku: '333' }, sizes: ['S', ['XL']] },
    { _id: 5 },
  ]);
});

describe('distinct', () => {
  it('returns each value once, without documents that lack the field', async () => {
    expect(sorted(await inventory.distinct('dept'))).toEqual(['A', 'B']);
  });

  it('reads embedded fields with a dotted key and honours a query', async () => {
    expect(sorted(await inventory.distinct('item.sku'))).toEqual(['111', '222', '333']);
    expect(sorted(await inventory.distinct('item.sku', { dept: 'A' }))).toEqual(['111', '333']);
  });

  it('counts each array element as a value, keeping nested arrays whole', async () => {
    expect(sorted(await inventory.distinct('sizes'))).toEqual(sorted(['S', 'M', 'L', ['XL']]));
  });

  it('treats numbers of different BSON types with the same value as one value', async () => {
    const numbers = db.collection<{ _id: number; n: unknown }>('distinct_numbers');
    await numbers.insertMany([
      { _id: 1, n: new Int32(7) },
      { _id: 2, n: new Double(7) },
      { _id: 3, n: Long.fromNumber(7) },
      { _id: 4, n: 8.5 },
    ]);
    const values = (await numbers.distinct('n')).map(Number);
    expect(values.sort()).toEqual([7, 8.5]);
  });

  it('on a collection that does not exist returns no values', async () => {
    expect(await db.collection('distinct_never_created').distinct('x')).toEqual([]);
  });

  it('inside a transaction sees its own writes, which others see after the commit', async () => {
    const session = client.startSession();
    try {
      session.startTransaction({ readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' } });
      await inventory.insertOne({ _id: 6, dept: 'C' }, { session });
      expect(sorted(await inventory.distinct('dept', {}, { session }))).toEqual(['A', 'B', 'C']);
      expect(sorted(await inventory.distinct('dept'))).toEqual(['A', 'B']);
      await session.commitTransaction();
    } finally {
      await session.endSession();
    }
    expect(sorted(await inventory.distinct('dept'))).toEqual(['A', 'B', 'C']);
  });

  unlessDocumentdb('SNAPSHOT_OUTSIDE_TRANSACTIONS')('with read concern "snapshot" outside a transaction reports atClusterTime', async () => {
    const reply = await db.command({ distinct: 'distinct_inventory', key: 'dept', readConcern: { level: 'snapshot' } });
    expect(sorted(reply['values'] as unknown[])).toEqual(['A', 'B', 'C']);
    expect(reply['atClusterTime']).toBeInstanceOf(Timestamp);
  });
});
