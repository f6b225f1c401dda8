/**
 * Administrative and catalogue commands, as the official driver sends them.
 * Expectations follow MongoDB's command reference (hello, ping, buildInfo,
 * create, drop, dropDatabase, listCollections, count, createIndexes,
 * listIndexes, dropIndexes) and its error-code list.
 */
import { describe, expect, it } from 'vitest';
import { openTestDatabase, useTestDatabase } from '../support/mongo.ts';
import { serverError } from './server-error.ts';
import { unlessDocumentdb } from '../support/documentdb-departures.ts';

const { client, db } = await useTestDatabase();

describe('handshake and server commands', () => {
  it('hello names a writable primary: a replica-set member, or a mongos', async () => {
    const hello = await client.db('admin').command({ hello: 1 });
    expect(hello['ok']).toBe(1);
    expect(hello['isWritablePrimary']).toBe(true);
    // The two deployments transactions need: a replica set names itself; a
    // sharded cluster's router says "isdbgrid" (hello command reference).
    if (hello['msg'] === 'isdbgrid') expect(hello['setName']).toBeUndefined();
    else expect(hello['setName']).toMatch(/^.+$/);
    expect(hello['maxBsonObjectSize']).toBe(16 * 1024 * 1024);
    expect(hello['maxWireVersion']).toEqual(expect.any(Number));
    expect(hello['logicalSessionTimeoutMinutes']).toEqual(expect.any(Number));
  });

  it('ping answers ok: 1', async () => {
    expect(await client.db('admin').command({ ping: 1 })).toMatchObject({ ok: 1 });
  });

  it('buildInfo gives a version string and the matching version array', async () => {
    const info = await client.db('admin').command({ buildInfo: 1 });
    expect(info['ok']).toBe(1);
    const version = info['version'];
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    const versionArray = info['versionArray'] as unknown;
    expect(Array.isArray(versionArray)).toBe(true);
    expect((versionArray as number[]).slice(0, 3).join('.')).toBe(String(version).match(/^\d+\.\d+\.\d+/)?.[0]);
  });

  unlessDocumentdb('UNKNOWN_COMMAND_CODE')('an unknown command fails with 59 CommandNotFound', async () => {
    const error = await serverError(db.command({ noSuchCommandInMongoDB: 1 }));
    expect(error.code).toBe(59);
    expect(error.codeName).toBe('CommandNotFound');
  });
});

describe('collections', () => {
  it('create makes a collection that listCollections reports', async () => {
    await db.createCollection('created');
    const listed = await db.listCollections({ name: 'created' }).toArray();
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ name: 'created', type: 'collection' });
  });

  it('listCollections lists every collection and honours a name filter', async () => {
    await db.createCollection('listed_a');
    await db.collection('listed_b').insertOne({ x: 1 }); // created implicitly
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['listed_a', 'listed_b']));
    const filtered = await db.listCollections({ name: 'listed_b' }, { nameOnly: true }).toArray();
    expect(filtered.map((c) => c.name)).toEqual(['listed_b']);
  });

  it('drop removes the collection and its documents', async () => {
    await db.collection('dropped').insertMany([{ a: 1 }, { a: 2 }]);
    const reply = await db.command({ drop: 'dropped' });
    expect(reply['ok']).toBe(1);
    expect(await db.listCollections({ name: 'dropped' }).toArray()).toEqual([]);
    expect(await db.collection('dropped').countDocuments()).toBe(0);
  });

  it('dropDatabase removes every collection of the database', async () => {
    const other = await openTestDatabase({ label: 'commands_dropdb' });
    try {
      await other.db.collection('one').insertOne({ a: 1 });
      await other.db.collection('two').insertOne({ b: 1 });
      const reply = await other.db.command({ dropDatabase: 1 });
      expect(reply['ok']).toBe(1);
      expect(await other.db.listCollections().toArray()).toEqual([]);
      const databases = await other.client.db('admin').command({ listDatabases: 1, nameOnly: true });
      const names = (databases['databases'] as { name: string }[]).map((d) => d.name);
      expect(names).not.toContain(other.dbName);
    } finally {
      await other.close();
    }
  });
});

describe('count', () => {
  it('the count command and countDocuments agree on a filter', async () => {
    const coll = db.collection<{ _id: number; kind: string }>('counted');
    await coll.insertMany([
      { _id: 1, kind: 'a' },
      { _id: 2, kind: 'b' },
      { _id: 3, kind: 'a' },
      { _id: 4, kind: 'a' },
    ]);
    expect(await db.command({ count: 'counted' })).toMatchObject({ n: 4, ok: 1 });
    expect(await db.command({ count: 'counted', query: { kind: 'a' } })).toMatchObject({ n: 3, ok: 1 });
    expect(await db.command({ count: 'counted', query: { kind: 'a' }, skip: 1, limit: 1 })).toMatchObject({ n: 1 });
    expect(await coll.countDocuments({ kind: 'a' })).toBe(3);
    expect(await coll.countDocuments({ kind: 'a' }, { skip: 2 })).toBe(1);
    expect(await coll.countDocuments({ kind: 'zzz' })).toBe(0);
  });

  it('counting a collection that does not exist gives 0', async () => {
    expect(await db.command({ count: 'never_created' })).toMatchObject({ n: 0, ok: 1 });
    expect(await db.collection('never_created').countDocuments()).toBe(0);
  });
});

describe('indexes', () => {
  unlessDocumentdb('CREATE_INDEXES_REPLY')('createIndexes reports the index counts and is idempotent for the same spec', async () => {
    await db.createCollection('indexed');
    const first = await db.command({
      createIndexes: 'indexed',
      indexes: [{ key: { email: 1 }, name: 'email_1', unique: true }],
    });
    expect(first).toMatchObject({ ok: 1, numIndexesBefore: 1, numIndexesAfter: 2 });
    const again = await db.command({
      createIndexes: 'indexed',
      indexes: [{ key: { email: 1 }, name: 'email_1', unique: true }],
    });
    expect(again).toMatchObject({ ok: 1, numIndexesBefore: 2, numIndexesAfter: 2 });
  });

  unlessDocumentdb('CREATE_INDEXES_REPLY')('createIndexes on a missing collection creates it', async () => {
    const reply = await db.command({ createIndexes: 'indexed_new', indexes: [{ key: { a: 1 }, name: 'a_1' }] });
    expect(reply).toMatchObject({ ok: 1, createdCollectionAutomatically: true });
    expect(await db.listCollections({ name: 'indexed_new' }).toArray()).toHaveLength(1);
  });

  it('listIndexes shows _id_ and the created indexes with their options', async () => {
    const coll = db.collection('listed_indexes');
    expect(await coll.createIndex({ email: 1 }, { unique: true })).toBe('email_1');
    expect(await coll.createIndex({ tenant: 1, createdAt: -1 })).toBe('tenant_1_createdAt_-1');
    const indexes = await coll.listIndexes().toArray();
    expect(indexes).toHaveLength(3);
    expect(indexes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: '_id_', key: { _id: 1 } }),
        expect.objectContaining({ name: 'email_1', key: { email: 1 }, unique: true }),
        expect.objectContaining({ name: 'tenant_1_createdAt_-1', key: { tenant: 1, createdAt: -1 } }),
      ]),
    );
    const plain = indexes.find((index) => index['name'] === 'tenant_1_createdAt_-1');
    expect(plain?.['unique']).toBeUndefined();
  });

  it('dropIndexes drops one index by name, or all but _id_ with "*"', async () => {
    const coll = db.collection('dropped_indexes');
    await coll.createIndex({ a: 1 });
    await coll.createIndex({ b: 1 });
    await coll.createIndex({ c: 1 });
    expect(await db.command({ dropIndexes: 'dropped_indexes', index: 'a_1' })).toMatchObject({ ok: 1 });
    expect((await coll.listIndexes().toArray()).map((i) => i['name']).sort()).toEqual(['_id_', 'b_1', 'c_1']);
    await coll.dropIndexes();
    expect((await coll.listIndexes().toArray()).map((i) => i['name'])).toEqual(['_id_']);
  });

  it('dropping an index that does not exist fails with 27 IndexNotFound', async () => {
    const coll = db.collection('dropped_missing_index');
    await coll.insertOne({ a: 1 });
    const error = await serverError(coll.dropIndex('nope_1'));
    expect(error.code).toBe(27);
    expect(error.codeName).toBe('IndexNotFound');
  });
});
