/**
 * Dollar-prefixed field names, from MongoDB's "Dollar-Prefixed Field Names"
 * page: since 5.0 inserts accept them as top-level and nested field names,
 * but not inside `_id` ("General Restrictions"), which fails with 52
 * DollarPrefixedFieldName ("_id fields may not contain '$'-prefixed
 * fields"), on insert and on the insert an upsert makes.
 */
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../support/mongo.ts';
import { serverError } from './server-error.ts';
import { unlessDocumentdb } from '../support/documentdb-departures.ts';

const { db } = await useTestDatabase();
/** `_id` is a string or a document here. */
interface Loose {
  _id: string | Record<string, unknown>;
  [field: string]: unknown;
}
const coll = db.collection<Loose>('dollar_fields');

describe('$-prefixed field names', () => {
  it('are stored as top-level and nested fields of an insert', async () => {
    await coll.insertOne({ _id: 'ok', $price: 50, location: { $db: 'novels' } });
    expect(await coll.find({}).toArray()).toEqual([{ _id: 'ok', $price: 50, location: { $db: 'novels' } }]);
  });

  unlessDocumentdb('DOLLAR_PREFIXED_ID')('inside _id fail an insert with 52 DollarPrefixedFieldName and store nothing', async () => {
    const top = await serverError(coll.insertOne({ _id: { $a: 1 } }));
    expect(top.code).toBe(52);
    const nested = await serverError(coll.insertOne({ _id: { k: { $invalid: 'v' } } }));
    expect(nested.code).toBe(52);
    expect(await coll.countDocuments({ _id: { $type: 'object' } })).toBe(0);
  });

  unlessDocumentdb('DOLLAR_PREFIXED_ID')('inside _id fail an upsert that would insert them', async () => {
    const error = await serverError(
      coll.findOneAndUpdate({ _id: { k: { $invalid: 'v' } } }, { $set: { v: 'replaced' } }, { upsert: true }),
    );
    expect(error.code).toBe(52);
    expect(await coll.countDocuments({ _id: { $type: 'object' } })).toBe(0);
  });
});
