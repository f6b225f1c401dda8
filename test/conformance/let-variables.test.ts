/**
 * The `let` option, from MongoDB's command references (aggregate, find,
 * update, delete, findAndModify; all since 5.0): each variable is an
 * expression evaluated once for the command and read as `$$name` in `$expr`
 * filters and in aggregation and update pipelines.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../support/mongo.ts';

const { db } = await useTestDatabase();

interface Item {
  _id: number;
  qty: number;
  tag?: string;
}
const items = db.collection<Item>('let_items');

beforeEach(async () => {
  await items.deleteMany({});
  await items.insertMany([
    { _id: 1, qty: 5 },
    { _id: 2, qty: 10 },
    { _id: 3, qty: 15 },
  ]);
});

const AT_LEAST = { $expr: { $gte: ['$qty', '$$threshold'] } };

describe('let', () => {
  it('aggregate evaluates its variables once and uses them in $match and $project', async () => {
    const docs = await items
      .aggregate([{ $match: AT_LEAST }, { $project: { over: { $subtract: ['$qty', '$$threshold'] } } }, { $sort: { _id: 1 } }], {
        let: { threshold: { $add: [4, 6] } },
      })
      .toArray();
    expect(docs).toEqual([
      { _id: 2, over: 0 },
      { _id: 3, over: 5 },
    ]);
  });

  it('find uses them in an $expr filter', async () => {
    const docs = await items.find(AT_LEAST, { let: { threshold: { $multiply: [3, 5] } } }).toArray();
    expect(docs).toEqual([{ _id: 3, qty: 15 }]);
  });

  it('update uses them in the filter and in a pipeline update', async () => {
    const result = await items.updateMany(AT_LEAST, [{ $set: { tag: { $concat: ['$$prefix', { $toString: '$qty' }] } } }], {
      let: { threshold: 10, prefix: { $toUpper: 'big-' } },
    });
    expect(result.matchedCount).toBe(2);
    expect(await items.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, qty: 5 },
      { _id: 2, qty: 10, tag: 'BIG-10' },
      { _id: 3, qty: 15, tag: 'BIG-15' },
    ]);
  });

  it('delete uses them in the filter', async () => {
    const result = await items.deleteMany(AT_LEAST, { let: { threshold: { $literal: 10 } } });
    expect(result.deletedCount).toBe(2);
    expect(await items.find().toArray()).toEqual([{ _id: 1, qty: 5 }]);
  });

  it('findAndModify uses them in the query and the update pipeline, and for a removal', async () => {
    const updated = await items.findOneAndUpdate(
      { $expr: { $eq: ['$_id', '$$target'] } },
      [{ $set: { qty: { $add: ['$qty', '$$step'] } } }],
      { let: { target: 2, step: { $subtract: [10, 3] } }, returnDocument: 'after' },
    );
    expect(updated).toEqual({ _id: 2, qty: 17 });
    const removed = await items.findOneAndDelete({ $expr: { $eq: ['$_id', '$$target'] } }, { let: { target: 3 } });
    expect(removed).toEqual({ _id: 3, qty: 15 });
    expect(await items.countDocuments()).toBe(2);
  });
});
