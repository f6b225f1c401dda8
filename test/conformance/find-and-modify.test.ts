/**
 * findAndModify through the driver's findOneAndUpdate / findOneAndReplace /
 * findOneAndDelete: which document is chosen (sort), which image comes back
 * (returnDocument before/after), projection, upsert and the lastErrorObject
 * that MongoDB's findAndModify reference documents.
 */
import { ObjectId } from 'mongodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../support/mongo.ts';
import type { AnyDoc } from './server-error.ts';

const { db } = await useTestDatabase();


let seq = 0;
let coll = db.collection<AnyDoc>('fam_0');
beforeEach(async () => {
  seq += 1;
  coll = db.collection<AnyDoc>(`fam_${seq}`);
  await coll.insertMany([
    { _id: 'a', rank: 1, n: 0, secret: 's1' },
    { _id: 'b', rank: 3, n: 0, secret: 's2' },
    { _id: 'c', rank: 2, n: 0, secret: 's3' },
  ]);
});

describe('findOneAndUpdate', () => {
  it('returns the document before the update by default', async () => {
    const before = await coll.findOneAndUpdate({ _id: 'a' }, { $inc: { n: 1 } });
    expect(before).toEqual({ _id: 'a', rank: 1, n: 0, secret: 's1' });
    expect(await coll.findOne({ _id: 'a' })).toMatchObject({ n: 1 });
  });

  it("returns the updated document with returnDocument: 'after'", async () => {
    const after = await coll.findOneAndUpdate({ _id: 'a' }, { $inc: { n: 5 } }, { returnDocument: 'after' });
    expect(after).toEqual({ _id: 'a', rank: 1, n: 5, secret: 's1' });
  });

  it('updates the first document in sort order', async () => {
    const chosen = await coll.findOneAndUpdate({}, { $set: { picked: true } }, { sort: { rank: -1 }, returnDocument: 'after' });
    expect(chosen?._id).toBe('b');
    expect(await coll.countDocuments({ picked: true })).toBe(1);
    const lowest = await coll.findOneAndUpdate({ picked: { $exists: false } }, { $set: { picked: 'low' } }, { sort: { rank: 1 } });
    expect(lowest?._id).toBe('a');
  });

  it('applies the projection to the returned document only', async () => {
    const projected = await coll.findOneAndUpdate(
      { _id: 'c' },
      { $set: { n: 9 } },
      { projection: { secret: 0 }, returnDocument: 'after' },
    );
    expect(projected).toEqual({ _id: 'c', rank: 2, n: 9 });
    const included = await coll.findOneAndUpdate({ _id: 'c' }, { $set: { n: 10 } }, { projection: { n: 1, _id: 0 } });
    expect(included).toEqual({ n: 9 });
    expect(await coll.findOne({ _id: 'c' })).toEqual({ _id: 'c', rank: 2, n: 10, secret: 's3' });
  });

  it('returns null when nothing matches and upsert is off', async () => {
    expect(await coll.findOneAndUpdate({ _id: 'zzz' }, { $set: { n: 1 } })).toBeNull();
    expect(await coll.countDocuments({ _id: 'zzz' })).toBe(0);
  });

  it("upsert returns the new document with 'after', null with 'before'", async () => {
    const after = await coll.findOneAndUpdate(
      { _id: 'new1', kind: 'k' },
      { $set: { n: 1 }, $setOnInsert: { created: true } },
      { upsert: true, returnDocument: 'after' },
    );
    expect(after).toEqual({ _id: 'new1', kind: 'k', n: 1, created: true });
    const before = await coll.findOneAndUpdate({ _id: 'new2' }, { $set: { n: 1 } }, { upsert: true });
    expect(before).toBeNull();
    expect(await coll.findOne({ _id: 'new2' })).toEqual({ _id: 'new2', n: 1 });
  });

  it('accepts a pipeline update', async () => {
    const after = await coll.findOneAndUpdate(
      { _id: 'b' },
      [{ $set: { n: { $add: ['$rank', 100] } } }, { $unset: 'secret' }],
      { returnDocument: 'after' },
    );
    expect(after).toEqual({ _id: 'b', rank: 3, n: 103 });
  });

  it('includeResultMetadata exposes lastErrorObject for an update and an upsert', async () => {
    const updated = await coll.findOneAndUpdate({ _id: 'a' }, { $set: { n: 2 } }, { includeResultMetadata: true });
    expect(updated.ok).toBe(1);
    expect(updated.value).toMatchObject({ _id: 'a', n: 0 });
    expect(updated.lastErrorObject).toMatchObject({ n: 1, updatedExisting: true });

    const upserted = await coll.findOneAndUpdate(
      { _id: 'meta' },
      { $set: { n: 1 } },
      { upsert: true, includeResultMetadata: true },
    );
    expect(upserted.value).toBeNull();
    expect(upserted.lastErrorObject).toMatchObject({ n: 1, updatedExisting: false, upserted: 'meta' });
  });

  it('an upsert without _id in the filter generates an ObjectId', async () => {
    const after = await coll.findOneAndUpdate({ kind: 'gen' }, { $set: { n: 1 } }, { upsert: true, returnDocument: 'after' });
    expect(after?._id).toBeInstanceOf(ObjectId);
    expect(after).toMatchObject({ kind: 'gen', n: 1 });
  });
});

describe('findOneAndReplace', () => {
  it('replaces the chosen document, keeping its _id', async () => {
    const before = await coll.findOneAndReplace({}, { fresh: true }, { sort: { rank: 1 } });
    expect(before).toEqual({ _id: 'a', rank: 1, n: 0, secret: 's1' });
    expect(await coll.findOne({ _id: 'a' })).toEqual({ _id: 'a', fresh: true });
  });

  it("returns the replacement with returnDocument: 'after' and can upsert", async () => {
    const after = await coll.findOneAndReplace({ _id: 'r' }, { v: 1 }, { upsert: true, returnDocument: 'after' });
    expect(after).toEqual({ _id: 'r', v: 1 });
  });
});

describe('findOneAndDelete', () => {
  it('deletes the first document in sort order and returns it', async () => {
    const deleted = await coll.findOneAndDelete({}, { sort: { rank: -1 } });
    expect(deleted).toEqual({ _id: 'b', rank: 3, n: 0, secret: 's2' });
    expect(await coll.countDocuments()).toBe(2);
    expect(await coll.findOne({ _id: 'b' })).toBeNull();
  });

  it('honours a projection and returns null when nothing matches', async () => {
    expect(await coll.findOneAndDelete({ _id: 'c' }, { projection: { rank: 1 } })).toEqual({ _id: 'c', rank: 2 });
    expect(await coll.findOneAndDelete({ _id: 'c' })).toBeNull();
  });

  it('reports lastErrorObject.n with includeResultMetadata', async () => {
    const result = await coll.findOneAndDelete({ _id: 'a' }, { includeResultMetadata: true });
    expect(result.lastErrorObject).toMatchObject({ n: 1 });
    const none = await coll.findOneAndDelete({ _id: 'a' }, { includeResultMetadata: true });
    expect(none.value).toBeNull();
    expect(none.lastErrorObject).toMatchObject({ n: 0 });
  });
});
