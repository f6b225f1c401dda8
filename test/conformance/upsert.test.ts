/**
 * Upserts. MongoDB's update reference: with no match, an operator update
 * "creates a base document from the equality clauses in the query" and then
 * applies the update; comparison clauses are not copied; `$setOnInsert`
 * applies only when inserting; a replacement upsert inserts the replacement
 * (with the query's `_id` if it has one); without an `_id` one is generated.
 */
import { ObjectId } from 'mongodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../support/mongo.ts';
import type { AnyDoc } from './server-error.ts';

const { db } = await useTestDatabase();


let seq = 0;
let coll = db.collection<AnyDoc>('upserts_0');
beforeEach(() => {
  seq += 1;
  coll = db.collection<AnyDoc>(`upserts_${seq}`);
});

describe('upsert counts', () => {
  it('an upsert that inserts reports upsertedId and upsertedCount, no match', async () => {
    const result = await coll.updateOne({ _id: 'u1' }, { $set: { a: 1 } }, { upsert: true });
    expect(result).toMatchObject({ matchedCount: 0, modifiedCount: 0, upsertedCount: 1, upsertedId: 'u1' });
  });

  it('an upsert that matches updates and reports no upserted id', async () => {
    await coll.insertOne({ _id: 'u1', a: 0 });
    const result = await coll.updateOne({ _id: 'u1' }, { $set: { a: 1 } }, { upsert: true });
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0, upsertedId: null });
  });

  it('updateMany with upsert inserts one document when nothing matches', async () => {
    const result = await coll.updateMany({ group: 'g' }, { $set: { on: true } }, { upsert: true });
    expect(result).toMatchObject({ matchedCount: 0, upsertedCount: 1 });
    expect(await coll.find({}, { projection: { _id: 0 } }).toArray()).toEqual([{ group: 'g', on: true }]);
  });
});

describe('seeding the new document from the filter', () => {
  it('takes _id from the filter', async () => {
    await coll.updateOne({ _id: 'user-7' }, { $set: { name: 'Ada' } }, { upsert: true });
    expect(await coll.findOne({ _id: 'user-7' })).toEqual({ _id: 'user-7', name: 'Ada' });
  });

  it('generates an ObjectId when the filter and update give no _id', async () => {
    const result = await coll.updateOne({ email: 'a@x.io' }, { $set: { name: 'Ada' } }, { upsert: true });
    expect(result.upsertedId).toBeInstanceOf(ObjectId);
    expect(await coll.findOne({ email: 'a@x.io' })).toEqual({ _id: result.upsertedId, email: 'a@x.io', name: 'Ada' });
  });

  it('turns dotted equality paths into nested fields', async () => {
    await coll.updateOne({ _id: 'd', 'profile.address.city': 'Paris' }, { $set: { 'profile.age': 36 } }, { upsert: true });
    expect(await coll.findOne({ _id: 'd' })).toEqual({ _id: 'd', profile: { address: { city: 'Paris' }, age: 36 } });
  });

  it('copies $eq conditions and the equalities inside $and', async () => {
    await coll.updateOne(
      { _id: 'e', tier: { $eq: 'gold' }, $and: [{ region: 'eu' }, { 'meta.source': 'import' }] },
      { $set: { seen: true } },
      { upsert: true },
    );
    expect(await coll.findOne({ _id: 'e' })).toEqual({
      _id: 'e',
      tier: 'gold',
      region: 'eu',
      meta: { source: 'import' },
      seen: true,
    });
  });

  it('leaves out comparison conditions', async () => {
    await coll.updateOne({ _id: 'c', age: { $gt: 18 }, status: 'active' }, { $set: { x: 1 } }, { upsert: true });
    expect(await coll.findOne({ _id: 'c' })).toEqual({ _id: 'c', status: 'active', x: 1 });
  });

  it('applies the update on top of the seeded fields', async () => {
    // A schema without an index signature, so the driver's types accept $push.
    const typed = db.collection<{ _id: string; status?: string; count?: number; log?: string[] }>(coll.collectionName);
    await typed.updateOne(
      { _id: 'o', status: 'new', count: 5 },
      { $set: { status: 'active' }, $inc: { count: 2 }, $push: { log: 'created' } },
      { upsert: true },
    );
    expect(await coll.findOne({ _id: 'o' })).toEqual({ _id: 'o', status: 'active', count: 7, log: ['created'] });
  });

  it('an upsert with a pipeline also starts from the filter equalities', async () => {
    await coll.updateOne(
      { _id: 'p', kind: 'counter' },
      [{ $set: { count: { $add: [{ $ifNull: ['$count', 0] }, 1] }, kindCopy: '$kind' } }],
      { upsert: true },
    );
    expect(await coll.findOne({ _id: 'p' })).toEqual({ _id: 'p', kind: 'counter', count: 1, kindCopy: 'counter' });
  });
});

describe('$setOnInsert', () => {
  it('applies when the upsert inserts', async () => {
    await coll.updateOne(
      { _id: 's' },
      { $set: { name: 'Ada' }, $setOnInsert: { createdAt: 'first', visits: 0 } },
      { upsert: true },
    );
    expect(await coll.findOne({ _id: 's' })).toEqual({ _id: 's', name: 'Ada', createdAt: 'first', visits: 0 });
  });

  it('is ignored when the upsert matches', async () => {
    await coll.insertOne({ _id: 's', name: 'Ada', createdAt: 'first' });
    const result = await coll.updateOne(
      { _id: 's' },
      { $set: { name: 'Grace' }, $setOnInsert: { createdAt: 'second' } },
      { upsert: true },
    );
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0 });
    expect(await coll.findOne({ _id: 's' })).toEqual({ _id: 's', name: 'Grace', createdAt: 'first' });
  });

  it('has no effect on a plain update (no upsert)', async () => {
    await coll.insertOne({ _id: 's', n: 1 });
    const result = await coll.updateOne({ _id: 's' }, { $setOnInsert: { n: 2 } });
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
    expect(await coll.findOne({ _id: 's' })).toEqual({ _id: 's', n: 1 });
  });
});

describe('replacement upserts', () => {
  it('inserts the replacement with the filter _id, not the other filter fields', async () => {
    const result = await coll.replaceOne({ _id: 'r', status: 'x' }, { name: 'Ada' }, { upsert: true });
    expect(result).toMatchObject({ upsertedCount: 1, upsertedId: 'r' });
    expect(await coll.findOne({ _id: 'r' })).toEqual({ _id: 'r', name: 'Ada' });
  });

  it('generates an ObjectId when neither filter nor replacement has _id', async () => {
    const result = await coll.replaceOne({ name: 'nobody' }, { name: 'Grace' }, { upsert: true });
    expect(result.upsertedId).toBeInstanceOf(ObjectId);
    expect(await coll.findOne({ name: 'Grace' })).toEqual({ _id: result.upsertedId, name: 'Grace' });
  });
});
