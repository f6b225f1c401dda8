/**
 * Unique indexes, single and compound, enforced on every write path, and the
 * shape of the duplicate-key error (code 11000 with keyPattern and keyValue)
 * as MongoDB's write-error and unique-index references document it.
 * "If a document does not have a value for the indexed field in a unique
 * index, the index will store a null value for this document": missing fields
 * collide as null.
 */
import { MongoServerError, type Collection } from 'mongodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../support/mongo.ts';
import { type AnyDoc, bulkWriteError, serverError } from './server-error.ts';
import { unlessDocumentdb } from '../support/documentdb-departures.ts';

const { db } = await useTestDatabase();


let seq = 0;
let users: Collection<AnyDoc> = db.collection<AnyDoc>('unique_0');
beforeEach(async () => {
  seq += 1;
  users = db.collection<AnyDoc>(`unique_${seq}`);
  await users.createIndex({ email: 1 }, { unique: true });
  await users.createIndex({ tenant: 1, handle: 1 }, { unique: true });
  await users.insertMany([
    { _id: 'u1', email: 'ada@x.io', tenant: 't1', handle: 'ada' },
    { _id: 'u2', email: 'grace@x.io', tenant: 't1', handle: 'grace' },
  ]);
});

function expectDuplicateKey(error: MongoServerError, keyPattern: object, keyValue: object): void {
  expect(error.code).toBe(11000);
  expect(error.message).toMatch(/E11000 duplicate key error/);
  expect(error['keyPattern']).toEqual(keyPattern);
  expect(error['keyValue']).toEqual(keyValue);
}

describe('single-field unique index', () => {
  unlessDocumentdb('DUPLICATE_KEY_DETAILS')('rejects an insert with a taken value, with keyPattern and keyValue', async () => {
    const error = await serverError(users.insertOne({ _id: 'u3', email: 'ada@x.io', tenant: 't2', handle: 'x' }));
    expectDuplicateKey(error, { email: 1 }, { email: 'ada@x.io' });
    expect(error.message).toMatch(/email_1/);
    expect(await users.countDocuments({ _id: 'u3' })).toBe(0);
  });

  unlessDocumentdb('DUPLICATE_KEY_DETAILS')('rejects an update that would take a value', async () => {
    const error = await serverError(users.updateOne({ _id: 'u2' }, { $set: { email: 'ada@x.io' } }));
    expectDuplicateKey(error, { email: 1 }, { email: 'ada@x.io' });
    expect(await users.findOne({ _id: 'u2' })).toMatchObject({ email: 'grace@x.io' });
  });

  unlessDocumentdb('DUPLICATE_KEY_DETAILS')('rejects a replacement that would take a value', async () => {
    const error = await serverError(users.replaceOne({ _id: 'u2' }, { email: 'ada@x.io', tenant: 't9', handle: 'z' }));
    expectDuplicateKey(error, { email: 1 }, { email: 'ada@x.io' });
  });

  unlessDocumentdb('DUPLICATE_KEY_DETAILS')('rejects an upsert whose new document would take a value', async () => {
    const error = await serverError(
      users.updateOne({ _id: 'u9' }, { $set: { email: 'grace@x.io', tenant: 't3', handle: 'g' } }, { upsert: true }),
    );
    expectDuplicateKey(error, { email: 1 }, { email: 'grace@x.io' });
    expect(await users.countDocuments({ _id: 'u9' })).toBe(0);
  });

  unlessDocumentdb('DUPLICATE_KEY_DETAILS')('rejects findOneAndUpdate, findOneAndReplace and their upserts the same way', async () => {
    expectDuplicateKey(
      await serverError(users.findOneAndUpdate({ _id: 'u2' }, { $set: { email: 'ada@x.io' } })),
      { email: 1 },
      { email: 'ada@x.io' },
    );
    expectDuplicateKey(
      await serverError(users.findOneAndReplace({ _id: 'u1' }, { email: 'grace@x.io', tenant: 'q', handle: 'q' })),
      { email: 1 },
      { email: 'grace@x.io' },
    );
    expectDuplicateKey(
      await serverError(
        users.findOneAndUpdate({ _id: 'u7' }, { $set: { email: 'ada@x.io' } }, { upsert: true, returnDocument: 'after' }),
      ),
      { email: 1 },
      { email: 'ada@x.io' },
    );
    expect(await users.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 'u1', email: 'ada@x.io', tenant: 't1', handle: 'ada' },
      { _id: 'u2', email: 'grace@x.io', tenant: 't1', handle: 'grace' },
    ]);
  });

  it('lets a document keep its own value', async () => {
    const result = await users.updateOne({ _id: 'u1' }, { $set: { email: 'ada@x.io', extra: 1 } });
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
  });

  unlessDocumentdb('DUPLICATE_KEY_DETAILS')('missing fields collide as null', async () => {
    const coll = db.collection<AnyDoc>(`unique_null_${seq}`);
    await coll.createIndex({ phone: 1 }, { unique: true });
    await coll.insertOne({ _id: 'p1' });
    const error = await serverError(coll.insertOne({ _id: 'p2' }));
    expectDuplicateKey(error, { phone: 1 }, { phone: null });
    const explicitNull = await serverError(coll.insertOne({ _id: 'p3', phone: null }));
    expect(explicitNull.code).toBe(11000);
    await coll.insertOne({ _id: 'p4', phone: '+33 1' });
    expect(await coll.countDocuments()).toBe(2);
  });
});

describe('compound unique index', () => {
  it('allows the same value in one field when the other differs', async () => {
    await users.insertOne({ _id: 'u3', email: 'ada2@x.io', tenant: 't2', handle: 'ada' });
    expect(await users.countDocuments({ handle: 'ada' })).toBe(2);
  });

  unlessDocumentdb('DUPLICATE_KEY_DETAILS')('rejects the same pair, naming both fields', async () => {
    const error = await serverError(users.insertOne({ _id: 'u3', email: 'new@x.io', tenant: 't1', handle: 'ada' }));
    expectDuplicateKey(error, { tenant: 1, handle: 1 }, { tenant: 't1', handle: 'ada' });
    expect(error.message).toMatch(/tenant_1_handle_1/);
  });
});

describe('write errors in batches', () => {
  unlessDocumentdb('DUPLICATE_KEY_DETAILS')('an ordered insertMany stops at the first duplicate', async () => {
    const { error, writeErrors } = await bulkWriteError(
      users.insertMany([
        { _id: 'n1', email: 'n1@x.io', tenant: 'n', handle: '1' },
        { _id: 'n2', email: 'ada@x.io', tenant: 'n', handle: '2' },
        { _id: 'n3', email: 'n3@x.io', tenant: 'n', handle: '3' },
      ]),
    );
    expect(error.code).toBe(11000);
    expect(writeErrors.map((e) => [e.index, e.code])).toEqual([[1, 11000]]);
    expect(writeErrors[0]?.errmsg).toMatch(/E11000 duplicate key error/);
    expect(error.insertedCount).toBe(1);
    expect((await users.find({ tenant: 'n' }).toArray()).map((d) => d._id)).toEqual(['n1']);
  });

  it('an unordered insertMany goes on and reports every duplicate by index', async () => {
    const { error, writeErrors } = await bulkWriteError(
      users.insertMany(
        [
          { _id: 'n1', email: 'grace@x.io', tenant: 'n', handle: '1' },
          { _id: 'n2', email: 'n2@x.io', tenant: 'n', handle: '2' },
          { _id: 'u1', email: 'n3@x.io', tenant: 'n', handle: '3' },
          { _id: 'n4', email: 'n4@x.io', tenant: 'n', handle: '4' },
        ],
        { ordered: false },
      ),
    );
    expect(writeErrors.map((e) => [e.index, e.code])).toEqual([
      [0, 11000],
      [2, 11000],
    ]);
    expect(error.insertedCount).toBe(2);
    expect((await users.find({ tenant: 'n' }).sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual(['n2', 'n4']);
  });

  it('bulkWrite reports the index of the failing operation among mixed operations', async () => {
    const { writeErrors } = await bulkWriteError(
      users.bulkWrite([
        { insertOne: { document: { _id: 'b1', email: 'b1@x.io', tenant: 'b', handle: '1' } } },
        { updateOne: { filter: { _id: 'b1' }, update: { $set: { email: 'ada@x.io' } } } },
        { insertOne: { document: { _id: 'b3', email: 'b3@x.io', tenant: 'b', handle: '3' } } },
      ]),
    );
    expect(writeErrors.map((e) => [e.index, e.code])).toEqual([[1, 11000]]);
    expect(await users.countDocuments({ _id: 'b3' })).toBe(0);
    expect(await users.findOne({ _id: 'b1' })).toMatchObject({ email: 'b1@x.io' });
  });

  unlessDocumentdb('DUPLICATE_KEY_DETAILS')('the raw insert reply carries keyPattern and keyValue in each write error', async () => {
    const reply = await db.command({
      insert: users.collectionName,
      documents: [
        { _id: 'r1', email: 'ada@x.io', tenant: 'r', handle: '1' },
        { _id: 'r2', email: 'r2@x.io', tenant: 'r', handle: '2' },
      ],
      ordered: false,
    });
    expect(reply['ok']).toBe(1);
    expect(reply['n']).toBe(1);
    expect(reply['writeErrors']).toEqual([
      expect.objectContaining({
        index: 0,
        code: 11000,
        keyPattern: { email: 1 },
        keyValue: { email: 'ada@x.io' },
        errmsg: expect.stringMatching(/E11000 duplicate key error/),
      }),
    ]);
  });
});

describe('building a unique index', () => {
  it('fails over existing duplicates and leaves no index behind', async () => {
    const coll = db.collection<AnyDoc>(`unique_build_${seq}`);
    await coll.insertMany([
      { _id: '1', code: 'x' },
      { _id: '2', code: 'x' },
    ]);
    const error = await serverError(coll.createIndex({ code: 1 }, { unique: true }));
    expect(error.code).toBe(11000);
    expect((await coll.listIndexes().toArray()).map((i) => i['name'])).toEqual(['_id_']);
  });
});
