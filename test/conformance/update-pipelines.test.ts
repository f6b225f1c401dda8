/**
 * Updates given as aggregation pipelines (MongoDB 4.2+): the stages MongoDB's
 * update reference allows ($set/$addFields, $unset, $project,
 * $replaceRoot/$replaceWith) and the expressions the service relies on
 * ($$NOW, $$ROOT, $literal, $mergeObjects, $ifNull, $cond), as documented in
 * the aggregation reference.
 */
import type { Document } from 'mongodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../support/mongo.ts';
import type { AnyDoc } from './server-error.ts';

const { db } = await useTestDatabase();


let seq = 0;
let coll = db.collection<AnyDoc>('pipelines_0');
beforeEach(async () => {
  seq += 1;
  coll = db.collection<AnyDoc>(`pipelines_${seq}`);
  await coll.insertOne({
    _id: 'u',
    name: 'Ada',
    score: 10,
    nickname: null,
    props: { color: 'red', size: 'M', nested: { a: 1, b: 2 } },
  });
});

async function doc(): Promise<Document | null> {
  return coll.findOne({ _id: 'u' });
}

describe('stages', () => {
  it('$set and $addFields add computed fields from the current document', async () => {
    const result = await coll.updateOne({ _id: 'u' }, [
      { $set: { doubled: { $multiply: ['$score', 2] } } },
      { $addFields: { greeting: { $concat: ['Hi ', '$name'] } } },
    ]);
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(await doc()).toMatchObject({ doubled: 20, greeting: 'Hi Ada', score: 10 });
  });

  it('later stages see the fields earlier stages wrote', async () => {
    await coll.updateOne({ _id: 'u' }, [{ $set: { score: { $add: ['$score', 1] } } }, { $set: { copy: '$score' } }]);
    expect(await doc()).toMatchObject({ score: 11, copy: 11 });
  });

  it('the $unset stage removes top-level and dotted fields', async () => {
    await coll.updateOne({ _id: 'u' }, [{ $unset: ['score', 'props.size'] }]);
    expect(await doc()).toEqual({
      _id: 'u',
      name: 'Ada',
      nickname: null,
      props: { color: 'red', nested: { a: 1, b: 2 } },
    });
  });

  it('the $unset stage reaches into arrays of documents and removes a field named "__proto__" like any other', async () => {
    const withProto = JSON.parse('{"__proto__": 1, "keep": 2}') as AnyDoc;
    await coll.updateOne({ _id: 'u' }, [
      { $set: { props: { $literal: withProto }, items: { $literal: [{ a: 1, b: 1 }, { a: 2 }, 3] } } },
    ]);
    expect(Object.keys((await doc())?.['props'] as object)).toEqual(['__proto__', 'keep']);
    await coll.updateOne({ _id: 'u' }, [{ $unset: ['props.__proto__', 'items.a'] }]);
    const after = await doc();
    expect(after?.['props']).toEqual({ keep: 2 });
    expect(Object.keys(after?.['props'] as object)).toEqual(['keep']);
    expect(after?.['items']).toEqual([{ b: 1 }, {}, 3]);
  });

  it('$project keeps only the named fields (and _id)', async () => {
    await coll.updateOne({ _id: 'u' }, [{ $project: { name: 1, 'props.color': 1 } }]);
    expect(await doc()).toEqual({ _id: 'u', name: 'Ada', props: { color: 'red' } });
  });

  it('$replaceWith replaces the document with an expression', async () => {
    await coll.updateOne({ _id: 'u' }, [{ $replaceWith: { _id: '$_id', summary: { $concat: ['$name', '!'] } } }]);
    expect(await doc()).toEqual({ _id: 'u', summary: 'Ada!' });
  });

  it('$replaceRoot with newRoot does the same', async () => {
    await coll.updateOne({ _id: 'u' }, [{ $replaceRoot: { newRoot: { $mergeObjects: [{ _id: '$_id' }, '$props'] } } }]);
    expect(await doc()).toEqual({ _id: 'u', color: 'red', size: 'M', nested: { a: 1, b: 2 } });
  });

  it('a pipeline that changes nothing matches without modifying', async () => {
    const result = await coll.updateOne({ _id: 'u' }, [{ $set: { name: 'Ada' } }]);
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
  });

  it('updateMany applies the pipeline to each document with its own values', async () => {
    await coll.insertMany([
      { _id: 'v', score: 1 },
      { _id: 'w', score: 2 },
    ]);
    const result = await coll.updateMany({ _id: { $in: ['v', 'w'] } }, [{ $set: { score: { $multiply: ['$score', 10] } } }]);
    expect(result).toMatchObject({ matchedCount: 2, modifiedCount: 2 });
    expect(await coll.find({ _id: { $in: ['v', 'w'] } }).sort({ _id: 1 }).toArray()).toEqual([
      { _id: 'v', score: 10 },
      { _id: 'w', score: 20 },
    ]);
  });
});

describe('variables and expressions', () => {
  it('$$NOW is one Date for the whole statement, close to the current time', async () => {
    const before = Date.now();
    await coll.updateOne({ _id: 'u' }, [
      { $set: { createdAt: '$$NOW' } },
      { $set: { updatedAt: '$$NOW', stamps: { first: '$$NOW' } } },
    ]);
    const after = Date.now();
    const updated = await doc();
    const createdAt = updated?.['createdAt'];
    expect(createdAt).toBeInstanceOf(Date);
    expect(updated?.['updatedAt']).toEqual(createdAt);
    expect(updated?.['stamps']).toEqual({ first: createdAt });
    // The server clock may differ a little from ours; a minute is generous.
    expect((createdAt as Date).getTime()).toBeGreaterThan(before - 60_000);
    expect((createdAt as Date).getTime()).toBeLessThan(after + 60_000);
  });

  it('$$ROOT is the document as it was before the stage', async () => {
    await coll.updateOne({ _id: 'u' }, [{ $set: { snapshot: { name: '$$ROOT.name', score: '$$ROOT.score' } } }]);
    expect((await doc())?.['snapshot']).toEqual({ name: 'Ada', score: 10 });
  });

  it('$literal keeps a string that starts with $ as a plain string', async () => {
    await coll.updateOne({ _id: 'u' }, [
      { $set: { label: { $literal: '$name' }, trait: { value: { $literal: '$$ROOT' } } } },
    ]);
    const updated = await doc();
    expect(updated?.['label']).toBe('$name');
    expect(updated?.['trait']).toEqual({ value: '$$ROOT' });
  });

  it('without $literal the same string is a field path', async () => {
    await coll.updateOne({ _id: 'u' }, [{ $set: { label: '$name' } }]);
    expect((await doc())?.['label']).toBe('Ada');
  });

  it('$mergeObjects merges top-level keys only: a nested object is replaced, not merged', async () => {
    await coll.updateOne({ _id: 'u' }, [
      { $set: { props: { $mergeObjects: ['$props', { size: 'L', extra: true, nested: { c: 3 } }] } } },
    ]);
    expect((await doc())?.['props']).toEqual({ color: 'red', size: 'L', nested: { c: 3 }, extra: true });
  });

  it('$mergeObjects ignores null operands, and gives {} when all are null', async () => {
    await coll.updateOne({ _id: 'u' }, [
      { $set: { merged: { $mergeObjects: ['$nickname', { a: 1 }] }, empty: { $mergeObjects: [null, '$nickname'] } } },
    ]);
    expect(await doc()).toMatchObject({ merged: { a: 1 }, empty: {} });
  });

  it('$ifNull takes the replacement for null or missing and the value otherwise', async () => {
    await coll.updateOne({ _id: 'u' }, [
      {
        $set: {
          fromNull: { $ifNull: ['$nickname', 'none'] },
          fromMissing: { $ifNull: ['$absent', 'none'] },
          fromValue: { $ifNull: ['$name', 'none'] },
        },
      },
    ]);
    expect(await doc()).toMatchObject({ fromNull: 'none', fromMissing: 'none', fromValue: 'Ada' });
  });

  it('$cond picks then or else, in object and array form', async () => {
    await coll.updateOne({ _id: 'u' }, [
      {
        $set: {
          level: { $cond: { if: { $gte: ['$score', 10] }, then: 'high', else: 'low' } },
          parity: { $cond: [{ $eq: [{ $mod: ['$score', 2] }, 1] }, 'odd', 'even'] },
        },
      },
    ]);
    expect(await doc()).toMatchObject({ level: 'high', parity: 'even' });
  });
});
