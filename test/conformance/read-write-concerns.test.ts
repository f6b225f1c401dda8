/**
 * Read and write concerns outside transactions, from MongoDB's reference:
 * read concern "snapshot" is available outside multi-document transactions
 * for find, aggregate and distinct (5.0+), which report the `atClusterTime`
 * they read at (getMore too); writes and the other commands refuse it with
 * 72 InvalidOptions (MongoDB's jstests no_snapshot_writes_outside_txn.js and
 * read_concern_snapshot). A write concern a
 * replica set cannot satisfy (`w` above its number of data-bearing members)
 * is answered with a writeConcernError, 100 UnsatisfiableWriteConcern.
 */
import { MongoWriteConcernError, Timestamp } from 'mongodb';
import { beforeAll, describe, expect } from 'vitest';
import { useTestDatabase } from '../support/mongo.ts';
import { type AnyDoc, serverError } from './server-error.ts';
import { unlessDocumentdb } from '../support/documentdb-departures.ts';

const { client, db } = await useTestDatabase();
const SNAPSHOT = { level: 'snapshot' } as const;

beforeAll(async () => {
  await db.collection<AnyDoc>('snap').insertMany([
    { _id: 'a', v: 1 },
    { _id: 'b', v: 1 },
  ]);
});

describe('read concern "snapshot" outside transactions', () => {
  unlessDocumentdb('SNAPSHOT_OUTSIDE_TRANSACTIONS').each([
    ['insert', { insert: 'snap', documents: [{ _id: 'x' }] }],
    ['update', { update: 'snap', updates: [{ q: { _id: 'a' }, u: { $set: { v: 9 } } }] }],
    ['delete', { delete: 'snap', deletes: [{ q: { _id: 'a' }, limit: 1 }] }],
    ['findAndModify', { findAndModify: 'snap', query: { _id: 'a' }, remove: true }],
  ])('%s refuses it with 72 InvalidOptions and changes nothing', async (_name, command) => {
    const error = await serverError(db.command({ ...command, readConcern: SNAPSHOT }));
    expect(error.code).toBe(72);
    expect(await db.collection<AnyDoc>('snap').find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 'a', v: 1 },
      { _id: 'b', v: 1 },
    ]);
  });

  unlessDocumentdb('SNAPSHOT_OUTSIDE_TRANSACTIONS').each([
    ['count', { count: 'snap' }],
    ['listCollections', { listCollections: 1 }],
    ['listIndexes', { listIndexes: 'snap' }],
  ])('%s refuses it with 72 InvalidOptions (only find, aggregate and distinct take it)', async (_name, command) => {
    const error = await serverError(db.command({ ...command, readConcern: SNAPSHOT }));
    expect(error.code).toBe(72);
  });

  unlessDocumentdb('SNAPSHOT_OUTSIDE_TRANSACTIONS')('getMore of a snapshot find reports the same atClusterTime', async () => {
    const found = await db.command({ find: 'snap', filter: {}, batchSize: 1, readConcern: SNAPSHOT });
    const cursor = found['cursor'] as { id: unknown; atClusterTime: Timestamp };
    const more = await db.command({ getMore: cursor.id, collection: 'snap' });
    const next = more['cursor'] as { nextBatch: unknown[]; atClusterTime: unknown };
    expect(next.nextBatch).toHaveLength(1);
    expect(next.atClusterTime).toEqual(cursor.atClusterTime);
  });

  unlessDocumentdb('SNAPSHOT_OUTSIDE_TRANSACTIONS')('find and aggregate accept it and report the atClusterTime they read at', async () => {
    const found = await db.command({ find: 'snap', filter: {}, sort: { _id: 1 }, readConcern: SNAPSHOT });
    const cursor = found['cursor'] as { firstBatch: unknown[]; atClusterTime: unknown };
    expect(cursor.firstBatch).toHaveLength(2);
    expect(cursor.atClusterTime).toBeInstanceOf(Timestamp);
    const aggregated = await db.command({ aggregate: 'snap', pipeline: [{ $count: 'n' }], cursor: {}, readConcern: SNAPSHOT });
    const aggCursor = aggregated['cursor'] as { firstBatch: unknown[]; atClusterTime: unknown };
    expect(aggCursor.firstBatch).toEqual([{ n: 2 }]);
    expect(aggCursor.atClusterTime).toBeInstanceOf(Timestamp);
  });

  unlessDocumentdb('SNAPSHOT_OUTSIDE_TRANSACTIONS')('a snapshot session keeps reading the state of its first read', async () => {
    const coll = db.collection<{ _id: number; v: string }>('snapshot_session');
    await coll.insertMany([{ _id: 1, v: 'old' }, { _id: 2, v: 'old' }]);
    const session = client.startSession({ snapshot: true });
    try {
      expect(await coll.find({}, { session }).sort({ _id: 1 }).toArray()).toEqual([
        { _id: 1, v: 'old' },
        { _id: 2, v: 'old' },
      ]);
      await coll.updateOne({ _id: 1 }, { $set: { v: 'new' } });
      await coll.insertOne({ _id: 3, v: 'new' });
      await coll.deleteOne({ _id: 2 });
      // The driver now sends readConcern { level: 'snapshot', atClusterTime } with the first read's time.
      expect(await coll.find({}, { session }).sort({ _id: 1 }).toArray()).toEqual([
        { _id: 1, v: 'old' },
        { _id: 2, v: 'old' },
      ]);
      expect(await coll.aggregate([{ $match: { v: 'old' } }, { $count: 'n' }], { session }).toArray()).toEqual([{ n: 2 }]);
    } finally {
      await session.endSession();
    }
    expect(await coll.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, v: 'new' },
      { _id: 3, v: 'new' },
    ]);
  });
});

describe('write concern', () => {
  unlessDocumentdb('WRITE_CONCERN_IGNORED')('w greater than the number of members fails with 100 UnsatisfiableWriteConcern', async () => {
    const coll = db.collection<AnyDoc>('unsatisfiable', { writeConcern: { w: 50 } });
    const error = await serverError(coll.insertOne({ _id: 'w50' }));
    expect(error).toBeInstanceOf(MongoWriteConcernError);
    expect(error.code).toBe(100);
  });

  unlessDocumentdb('WRITE_CONCERN_IGNORED')('the reply names the write concern error next to ok: 1', async () => {
    const reply = await db
      .command({ insert: 'unsatisfiable', documents: [{ _id: 'raw' }], writeConcern: { w: 50 } })
      .catch((error: unknown) => (error as { errorResponse?: Record<string, unknown> }).errorResponse);
    expect(reply?.['ok']).toBe(1);
    expect(reply?.['writeConcernError']).toMatchObject({ code: 100, codeName: 'UnsatisfiableWriteConcern' });
  });
});
