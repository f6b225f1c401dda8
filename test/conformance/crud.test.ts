/**
 * Inserts, updates with operators and replacement documents, deletes, bulk
 * writes and the counts MongoDB replies with. Expectations follow MongoDB's
 * update-operator reference and the insert/update/delete command replies
 * (n, nModified, upserted).
 */
import { ObjectId } from 'mongodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../support/mongo.ts';
import { type AnyDoc, serverError } from './server-error.ts';
import { unlessDocumentdb } from '../support/documentdb-departures.ts';

const { db } = await useTestDatabase();



let seq = 0;
/** A fresh collection per test, so tests never see each other's documents. */
let items = db.collection<AnyDoc>('items_0');
beforeEach(() => {
  seq += 1;
  items = db.collection<AnyDoc>(`items_${seq}`);
});

describe('insert', () => {
  it('insertOne stores the document and gives back its _id', async () => {
    const result = await items.insertOne({ _id: 'a', name: 'Ada', tags: ['x'] });
    expect(result).toMatchObject({ acknowledged: true, insertedId: 'a' });
    expect(await items.findOne({ _id: 'a' })).toEqual({ _id: 'a', name: 'Ada', tags: ['x'] });
  });

  it('an _id is an ObjectId when the document has none', async () => {
    const coll = db.collection<{ name: string }>(`items_${seq}`);
    const { insertedId } = await coll.insertOne({ name: 'no id' });
    expect(insertedId).toBeInstanceOf(ObjectId);
    expect(await coll.findOne({ _id: insertedId })).toEqual({ _id: insertedId, name: 'no id' });
  });

  it('insertMany reports how many were inserted and their ids by position', async () => {
    const result = await items.insertMany([{ _id: 'a' }, { _id: 'b' }, { _id: 'c' }]);
    expect(result.insertedCount).toBe(3);
    expect(result.insertedIds).toEqual({ 0: 'a', 1: 'b', 2: 'c' });
    expect(await items.countDocuments()).toBe(3);
  });

  unlessDocumentdb('DUPLICATE_KEY_DETAILS')('a second document with the same _id fails with 11000 on index _id_', async () => {
    await items.insertOne({ _id: 'dup' });
    const error = await serverError(items.insertOne({ _id: 'dup', other: true }));
    expect(error.code).toBe(11000);
    expect(error['keyPattern']).toEqual({ _id: 1 });
    expect(error['keyValue']).toEqual({ _id: 'dup' });
    expect(await items.findOne({ _id: 'dup' })).toEqual({ _id: 'dup' });
  });
});

describe('update with operators', () => {
  beforeEach(async () => {
    await items.insertOne({ _id: 'u', name: 'Ada', n: 5, tags: ['a', 'b'], profile: { city: 'Paris' } });
  });

  it('$set writes top-level and dotted fields, creating missing parents', async () => {
    const result = await items.updateOne({ _id: 'u' }, { $set: { name: 'Grace', 'profile.zip': '75001', 'deep.a.b': 1 } });
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0, upsertedId: null });
    expect(await items.findOne({ _id: 'u' })).toEqual({
      _id: 'u',
      name: 'Grace',
      n: 5,
      tags: ['a', 'b'],
      profile: { city: 'Paris', zip: '75001' },
      deep: { a: { b: 1 } },
    });
  });

  it('$unset removes fields; unsetting a missing one modifies nothing', async () => {
    await items.updateOne({ _id: 'u' }, { $unset: { name: '', 'profile.city': '' } });
    expect(await items.findOne({ _id: 'u' })).toEqual({ _id: 'u', n: 5, tags: ['a', 'b'], profile: {} });
    const again = await items.updateOne({ _id: 'u' }, { $unset: { name: '' } });
    expect(again).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
  });

  it('$inc, $mul, $min and $max do arithmetic; $inc on a missing field starts from 0', async () => {
    await items.updateOne({ _id: 'u' }, { $inc: { n: 2, fresh: 3 }, $mul: { factor: 4 } });
    expect(await items.findOne({ _id: 'u' })).toMatchObject({ n: 7, fresh: 3, factor: 0 });
    await items.updateOne({ _id: 'u' }, { $min: { n: 1 }, $max: { fresh: 10 } });
    expect(await items.findOne({ _id: 'u' })).toMatchObject({ n: 1, fresh: 10 });
    const unchanged = await items.updateOne({ _id: 'u' }, { $min: { n: 100 } });
    expect(unchanged).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
  });

  it('$push appends, $addToSet skips values already present, $pull removes matches', async () => {
    // A schema without an index signature, so the driver's types accept $push and $pull.
    const arrays = db.collection<{ _id: string; tags?: string[]; list?: number[] }>(items.collectionName);
    await arrays.updateOne({ _id: 'u' }, { $push: { tags: 'c' } });
    await items.updateOne({ _id: 'u' }, { $addToSet: { tags: { $each: ['a', 'd'] } } });
    expect((await items.findOne({ _id: 'u' }))?.['tags']).toEqual(['a', 'b', 'c', 'd']);
    const noop = await items.updateOne({ _id: 'u' }, { $addToSet: { tags: 'a' } });
    expect(noop.modifiedCount).toBe(0);
    await arrays.updateOne({ _id: 'u' }, { $pull: { tags: { $in: ['b', 'd'] } } });
    expect((await items.findOne({ _id: 'u' }))?.['tags']).toEqual(['a', 'c']);
    await arrays.updateOne({ _id: 'u' }, { $push: { list: 1 } });
    expect((await items.findOne({ _id: 'u' }))?.['list']).toEqual([1]);
  });

  it('$rename moves a field and $currentDate sets a Date', async () => {
    const before = Date.now();
    await items.updateOne({ _id: 'u' }, { $rename: { name: 'fullName' }, $currentDate: { touchedAt: true } });
    const doc = await items.findOne({ _id: 'u' });
    expect(doc).not.toHaveProperty('name');
    expect(doc?.['fullName']).toBe('Ada');
    expect(doc?.['touchedAt']).toBeInstanceOf(Date);
    expect(Math.abs((doc?.['touchedAt'] as Date).getTime() - before)).toBeLessThan(60_000);
  });

  it('setting the value a field already has matches but modifies nothing', async () => {
    const result = await items.updateOne({ _id: 'u' }, { $set: { name: 'Ada' } });
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
  });

  it('an update that matches nothing reports zero counts', async () => {
    const result = await items.updateOne({ _id: 'missing' }, { $set: { a: 1 } });
    expect(result).toMatchObject({ matchedCount: 0, modifiedCount: 0, upsertedCount: 0, upsertedId: null });
  });

  it('changing _id fails with 66 ImmutableField and leaves the document', async () => {
    const error = await serverError(items.updateOne({ _id: 'u' }, { $set: { _id: 'other' } }));
    expect(error.code).toBe(66);
    expect(await items.countDocuments({ _id: 'u' })).toBe(1);
  });

  it('two operators on the same path fail with 40 ConflictingUpdateOperators', async () => {
    const error = await serverError(items.updateOne({ _id: 'u' }, { $set: { n: 1 }, $inc: { n: 1 } }));
    expect(error.code).toBe(40);
    expect((await items.findOne({ _id: 'u' }))?.['n']).toBe(5);
  });

  it('$inc on a non-numeric field fails with 14 TypeMismatch', async () => {
    const error = await serverError(items.updateOne({ _id: 'u' }, { $inc: { name: 1 } }));
    expect(error.code).toBe(14);
    expect((await items.findOne({ _id: 'u' }))?.['name']).toBe('Ada');
  });
});

describe('replacement', () => {
  it('replaceOne keeps _id and drops every field the replacement lacks', async () => {
    await items.insertOne({ _id: 'r', a: 1, b: 2 });
    const result = await items.replaceOne({ _id: 'r' }, { c: 3 });
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(await items.findOne({ _id: 'r' })).toEqual({ _id: 'r', c: 3 });
  });
});

describe('multi updates', () => {
  it('updateMany touches every match and counts only the documents it changed', async () => {
    await items.insertMany([
      { _id: '1', group: 'g', v: 1 },
      { _id: '2', group: 'g', v: 2 },
      { _id: '3', group: 'g', v: 2 },
      { _id: '4', group: 'h', v: 1 },
    ]);
    const result = await items.updateMany({ group: 'g' }, { $set: { v: 2 } });
    expect(result).toMatchObject({ matchedCount: 3, modifiedCount: 1, upsertedCount: 0 });
    expect(await items.countDocuments({ v: 2 })).toBe(3);
    expect(await items.findOne({ _id: '4' })).toMatchObject({ v: 1 });
  });

  it('updateOne changes only one of several matches', async () => {
    await items.insertMany([
      { _id: '1', group: 'g' },
      { _id: '2', group: 'g' },
    ]);
    const result = await items.updateOne({ group: 'g' }, { $set: { hit: true } });
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(await items.countDocuments({ hit: true })).toBe(1);
  });
});

describe('delete', () => {
  beforeEach(async () => {
    await items.insertMany([
      { _id: '1', kind: 'a' },
      { _id: '2', kind: 'a' },
      { _id: '3', kind: 'b' },
    ]);
  });

  it('deleteOne removes one matching document', async () => {
    expect(await items.deleteOne({ kind: 'a' })).toMatchObject({ deletedCount: 1 });
    expect(await items.countDocuments({ kind: 'a' })).toBe(1);
  });

  it('deleteMany removes every match and reports how many', async () => {
    expect(await items.deleteMany({ kind: 'a' })).toMatchObject({ deletedCount: 2 });
    expect(await items.find().toArray()).toEqual([{ _id: '3', kind: 'b' }]);
    expect(await items.deleteMany({ kind: 'zzz' })).toMatchObject({ deletedCount: 0 });
  });
});

describe('bulkWrite', () => {
  it('applies mixed operations in order and sums the counts', async () => {
    await items.insertMany([
      { _id: 'x', v: 1 },
      { _id: 'y', v: 1 },
    ]);
    const result = await items.bulkWrite([
      { insertOne: { document: { _id: 'z', v: 1 } } },
      { updateOne: { filter: { _id: 'x' }, update: { $inc: { v: 1 } } } },
      { updateMany: { filter: { v: 1 }, update: { $set: { seen: true } } } },
      { replaceOne: { filter: { _id: 'y' }, replacement: { v: 9 } } },
      { updateOne: { filter: { _id: 'new' }, update: { $set: { v: 0 } }, upsert: true } },
      { deleteOne: { filter: { _id: 'z' } } },
    ]);
    expect(result.insertedCount).toBe(1);
    expect(result.matchedCount).toBe(1 + 2 + 1);
    expect(result.modifiedCount).toBe(1 + 2 + 1);
    expect(result.upsertedCount).toBe(1);
    expect(result.upsertedIds).toEqual({ 4: 'new' });
    expect(result.deletedCount).toBe(1);
    expect(await items.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 'new', v: 0 },
      { _id: 'x', v: 2 },
      { _id: 'y', v: 9 },
    ]);
  });
});
