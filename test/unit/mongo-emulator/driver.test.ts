import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { MongoClient, MongoServerError, ObjectId } from 'mongodb';
import { startEmulator, type RunningEmulator } from '../../../src/mongo-emulator/index.ts';

// End to end through the official driver: handshake, CRUD, cursors and
// the convenient transaction API (withTransaction), including its retry of
// a transaction that hit a write conflict.

let emulator: RunningEmulator;
let client: MongoClient;

beforeAll(async () => {
  emulator = await startEmulator();
  client = new MongoClient(emulator.uri, { serverSelectionTimeoutMS: 5_000 });
  await client.connect();
});

afterAll(async () => {
  await client.close();
  await emulator.close();
});

describe('the mongodb driver against startEmulator()', () => {
  it('advertises the replica set it was asked for', async () => {
    expect(emulator.uri).toBe(`mongodb://127.0.0.1:${emulator.port}/?replicaSet=rs0`);
    const hello = await client.db('admin').command({ hello: 1 });
    expect(hello).toMatchObject({ setName: 'rs0', isWritablePrimary: true, hosts: [`127.0.0.1:${emulator.port}`] });
  });

  it('inserts and finds documents with BSON types intact', async () => {
    const users = client.db('driver').collection('users');
    const id = new ObjectId();
    const created = new Date('2024-01-02T03:04:05Z');
    await users.insertOne({ _id: id, name: 'Ada', created, tags: ['a'] });
    expect(await users.findOne({ _id: id })).toEqual({ _id: id, name: 'Ada', created, tags: ['a'] });
    expect(await users.findOne({ _id: new ObjectId(id.toHexString()) })).not.toBeNull();
  });

  it('pages a cursor with getMore', async () => {
    const numbers = client.db('driver').collection('numbers');
    await numbers.insertMany(Array.from({ length: 25 }, (_, i) => ({ i })));
    const seen = await numbers.find({}, { batchSize: 4 }).sort({ i: -1 }).toArray();
    expect(seen.map((d) => d['i'])).toEqual(Array.from({ length: 25 }, (_, i) => 24 - i));
  });

  it('commits a withTransaction callback atomically', async () => {
    const accounts = client.db('driver').collection<{ _id: string; balance: number }>('accounts');
    await accounts.insertMany([{ _id: 'a', balance: 10 }, { _id: 'b', balance: 0 }]);
    const session = client.startSession();
    try {
      await session.withTransaction(async () => {
        await accounts.updateOne({ _id: 'a' }, { $inc: { balance: -5 } }, { session });
        expect(await accounts.findOne({ _id: 'a' })).toEqual({ _id: 'a', balance: 10 });
        await accounts.updateOne({ _id: 'b' }, { $inc: { balance: 5 } }, { session });
      });
    } finally {
      await session.endSession();
    }
    expect(await accounts.find({}).sort({ _id: 1 }).toArray()).toEqual([
      { _id: 'a', balance: 5 },
      { _id: 'b', balance: 5 },
    ]);
  });

  it('retries a withTransaction callback after a write conflict', async () => {
    const counters = client.db('driver').collection<{ _id: string; n: number }>('counters');
    await counters.insertOne({ _id: 'c', n: 0 });
    const blocker = client.startSession();
    const session = client.startSession();
    let attempts = 0;
    try {
      blocker.startTransaction();
      await counters.updateOne({ _id: 'c' }, { $inc: { n: 100 } }, { session: blocker });
      await session.withTransaction(async () => {
        attempts++;
        if (attempts === 2) await blocker.abortTransaction();
        await counters.updateOne({ _id: 'c' }, { $inc: { n: 1 } }, { session });
      });
    } finally {
      await blocker.endSession();
      await session.endSession();
    }
    expect(attempts).toBe(2);
    expect(await counters.findOne({ _id: 'c' })).toEqual({ _id: 'c', n: 1 });
  });

  it('reports a duplicate key as the driver expects (code 11000, keyValue)', async () => {
    const emails = client.db('driver').collection('emails');
    await emails.createIndex({ email: 1 }, { unique: true });
    await emails.insertOne({ email: 'x@y.z' });
    const error = await emails.insertOne({ email: 'x@y.z' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error).toMatchObject({ code: 11000, keyPattern: { email: 1 }, keyValue: { email: 'x@y.z' } });
  });

  it('fails unknown commands with 59 CommandNotFound', async () => {
    const error = await client.db('admin').command({ frobnicate: 1 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 59, codeName: 'CommandNotFound' });
  });
});
