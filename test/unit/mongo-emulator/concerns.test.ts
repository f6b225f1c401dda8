/**
 * The emulator's cluster time and concerns, where they go beyond what the
 * conformance suite can check on any MongoDB: the refusals the emulator
 * makes on its own (238 NotImplemented), and details of its clock.
 */
import { Timestamp } from 'bson';
import { describe, expect, it } from 'vitest';
import { findAll, newServer, run, session } from './harness.ts';
import { decodeClusterTime, encodeClusterTime } from '../../../src/mongo-emulator/txn/cluster-time.ts';

describe('cluster time', () => {
  it('advances with each write and is encoded without loss', async () => {
    const server = newServer();
    const before = server.engine.clock;
    const reply = await run(server, { insert: 'c', documents: [{ _id: 1 }, { _id: 2 }] });
    const after = await run(server, { insert: 'c', documents: [{ _id: 3 }] });
    const t1 = reply['operationTime'] as Timestamp;
    const t2 = after['operationTime'] as Timestamp;
    expect(encodeClusterTime(t1)).toBeGreaterThan(before);
    expect(t2.compare(t1)).toBe(1);
    expect(encodeClusterTime(decodeClusterTime(server.engine.clock))).toBe(server.engine.clock);
    expect((after['$clusterTime'] as { clusterTime: Timestamp }).clusterTime.equals(t2)).toBe(true);
  });

  it('$$CLUSTER_TIME is the cluster time of the command', async () => {
    const server = newServer();
    await run(server, { insert: 'c', documents: [{ _id: 1 }] });
    const reply = await run(server, { aggregate: 'c', pipeline: [{ $project: { t: '$$CLUSTER_TIME' } }], cursor: {} });
    const [doc] = (reply['cursor'] as { firstBatch: Array<{ t: Timestamp }> }).firstBatch;
    expect(doc?.t.equals(reply['operationTime'] as Timestamp)).toBe(true);
  });
});

describe('snapshot reads the emulator refuses', () => {
  it('an atClusterTime older than the kept versions is 238 NotImplemented', async () => {
    const server = newServer();
    const first = await run(server, { insert: 'c', documents: [{ _id: 1, v: 1 }] });
    await run(server, { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { v: 2 } } }] });
    const reply = await run(server, { find: 'c', filter: {}, readConcern: { level: 'snapshot', atClusterTime: first['operationTime'] } });
    expect(reply).toMatchObject({ ok: 0, code: 238, codeName: 'NotImplemented' });
    expect(String(reply['errmsg'])).toContain('atClusterTime');
  });

  it('a pinned snapshot time stays readable after later writes', async () => {
    const server = newServer();
    await run(server, { insert: 'c', documents: [{ _id: 1, v: 1 }] });
    const read = await run(server, { find: 'c', filter: {}, readConcern: { level: 'snapshot' } });
    const at = (read['cursor'] as { atClusterTime: Timestamp }).atClusterTime;
    await run(server, { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { v: 2 } } }] });
    expect(await findAll(server, 'c', {}, { readConcern: { level: 'snapshot', atClusterTime: at } })).toEqual([{ _id: 1, v: 1 }]);
    server.engine.sweepPins(Date.now() + 301_000);
    const late = await run(server, { find: 'c', filter: {}, readConcern: { level: 'snapshot', atClusterTime: at } });
    expect(late).toMatchObject({ ok: 0, code: 238 });
  });

  it('atClusterTime inside a transaction is 238 NotImplemented', async () => {
    const server = newServer();
    const s = session();
    const now = decodeClusterTime(server.engine.clock);
    const reply = await run(server, { find: 'c', filter: {}, readConcern: { level: 'snapshot', atClusterTime: now }, ...s.start() });
    expect(reply).toMatchObject({ ok: 0, code: 238 });
  });
});

describe('write concern', () => {
  it('an unsatisfiable w still applies the write, as MongoDB does', async () => {
    const server = newServer();
    const reply = await run(server, { insert: 'c', documents: [{ _id: 1 }], writeConcern: { w: 10 } });
    expect(reply).toMatchObject({ ok: 1, n: 1, writeConcernError: { code: 100, codeName: 'UnsatisfiableWriteConcern' } });
    expect(await findAll(server, 'c')).toEqual([{ _id: 1 }]);
  });

  it('an unknown tag is 79 UnknownReplWriteConcern; w 1 and majority are met', async () => {
    const server = newServer();
    const tagged = await run(server, { insert: 'c', documents: [{ _id: 1 }], writeConcern: { w: 'dc-east' } });
    expect(tagged).toMatchObject({ ok: 1, writeConcernError: { code: 79, codeName: 'UnknownReplWriteConcern' } });
    for (const w of [1, 'majority']) {
      const reply = await run(server, { insert: 'c', documents: [{}], writeConcern: { w } });
      expect(reply['writeConcernError']).toBeUndefined();
    }
  });
});
