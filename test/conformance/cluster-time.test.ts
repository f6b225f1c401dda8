/**
 * Cluster time and causal consistency on a replica set, from MongoDB's
 * db.runCommand() reference (replies of replica-set members carry
 * `operationTime` and `$clusterTime`), the read concern reference
 * (`afterClusterTime`; "value must not be greater than the current
 * clusterTime": 72 InvalidOptions) and the driver's causally consistent
 * sessions, which advance `session.operationTime` from those replies.
 */
import { Timestamp } from 'mongodb';
import { describe, expect } from 'vitest';
import { useTestDatabase } from '../support/mongo.ts';
import { type AnyDoc, serverError } from './server-error.ts';
import { unlessDocumentdb } from '../support/documentdb-departures.ts';

const { client, db } = await useTestDatabase();

function asTimestamp(value: unknown): Timestamp {
  expect(value).toBeInstanceOf(Timestamp);
  return value as Timestamp;
}

describe('operationTime and $clusterTime', () => {
  unlessDocumentdb('NO_CLUSTER_TIME')('a write reply carries both, signed, and a later write is not earlier', async () => {
    const first = await db.command({ insert: 'times', documents: [{ _id: 1 }] });
    const second = await db.command({ insert: 'times', documents: [{ _id: 2 }] });
    const t1 = asTimestamp(first['operationTime']);
    const t2 = asTimestamp(second['operationTime']);
    expect(t2.compare(t1)).toBeGreaterThanOrEqual(0);
    const gossip = second['$clusterTime'] as { clusterTime: unknown; signature: { hash: unknown; keyId: unknown } };
    expect(asTimestamp(gossip.clusterTime).compare(t2)).toBeGreaterThanOrEqual(0);
    expect(gossip.signature).toHaveProperty('hash');
    expect(gossip.signature).toHaveProperty('keyId');
  });

  unlessDocumentdb('NO_CLUSTER_TIME')('reads and failed commands carry them too', async () => {
    const read = await db.command({ find: 'times', filter: {} });
    asTimestamp(read['operationTime']);
    const failed = await serverError(db.command({ noSuchCommandInMongoDB: 1 }));
    expect(failed.code).toBe(59);
    asTimestamp((failed as unknown as Record<string, unknown>)['operationTime']);
  });
});

describe('causally consistent sessions', () => {
  unlessDocumentdb('NO_CLUSTER_TIME')('a session advances its operationTime with each reply and reads its own writes', async () => {
    const coll = db.collection<AnyDoc>('causal');
    const session = client.startSession({ causalConsistency: true });
    try {
      expect(session.operationTime).toBeUndefined();
      await coll.insertOne({ _id: 'a', v: 1 }, { session });
      const afterInsert = asTimestamp(session.operationTime);
      expect(session.clusterTime?.clusterTime).toBeInstanceOf(Timestamp);
      await coll.updateOne({ _id: 'a' }, { $set: { v: 2 } }, { session });
      expect(asTimestamp(session.operationTime).compare(afterInsert)).toBeGreaterThanOrEqual(0);
      // This find carries readConcern { afterClusterTime: session.operationTime }.
      expect(await coll.findOne({ _id: 'a' }, { session })).toEqual({ _id: 'a', v: 2 });
    } finally {
      await session.endSession();
    }
  });

  unlessDocumentdb('NO_CLUSTER_TIME')('afterClusterTime at the time of a write sees that write', async () => {
    const reply = await db.command({ insert: 'causal', documents: [{ _id: 'b' }] });
    const after = asTimestamp(reply['operationTime']);
    const found = await db.command({ find: 'causal', filter: { _id: 'b' }, readConcern: { afterClusterTime: after } });
    expect((found['cursor'] as { firstBatch: unknown[] }).firstBatch).toEqual([{ _id: 'b' }]);
  });

  unlessDocumentdb('NO_CLUSTER_TIME')('afterClusterTime later than the current cluster time fails with 72 InvalidOptions', async () => {
    const reply = await db.command({ ping: 1 });
    const now = asTimestamp(reply['operationTime']);
    const future = new Timestamp({ t: now.t + 3600, i: 1 });
    const error = await serverError(db.command({ find: 'causal', filter: {}, readConcern: { afterClusterTime: future } }));
    expect(error.code).toBe(72);
  });
});
