/**
 * Collections created inside a transaction, from MongoDB's transactions
 * reference ("Create Collections and Indexes in a Transaction", 4.4+): an
 * insert into a collection that does not exist creates it implicitly as part
 * of the transaction, so, like the transaction's documents, the collection
 * exists for others only once the transaction commits, and not at all if it
 * aborts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ClientSession } from 'mongodb';
import { useTestDatabase } from '../support/mongo.ts';

const { client, db } = await useTestDatabase();

const sessions: ClientSession[] = [];
afterEach(async () => {
  for (const session of sessions.splice(0)) {
    if (session.inTransaction()) await session.abortTransaction();
    await session.endSession();
  }
});

function startSession(): ClientSession {
  const session = client.startSession();
  sessions.push(session);
  return session;
}

async function listed(name: string): Promise<string[]> {
  return (await db.listCollections({ name }, { nameOnly: true }).toArray()).map((c) => c.name);
}

describe('a collection created by an insert in a transaction', () => {
  it('is listed only after the commit', async () => {
    const session = startSession();
    session.startTransaction({ writeConcern: { w: 'majority' } });
    await db.collection<{ _id: number }>('born_in_txn').insertOne({ _id: 1 }, { session });
    expect(await listed('born_in_txn')).toEqual([]);
    await session.commitTransaction();
    expect(await listed('born_in_txn')).toEqual(['born_in_txn']);
    expect(await db.collection('born_in_txn').countDocuments()).toBe(1);
  });

  it('is never listed when the transaction aborts', async () => {
    const session = startSession();
    session.startTransaction({ writeConcern: { w: 'majority' } });
    await db.collection<{ _id: number }>('aborted_birth').insertOne({ _id: 1 }, { session });
    expect(await listed('aborted_birth')).toEqual([]);
    await session.abortTransaction();
    expect(await listed('aborted_birth')).toEqual([]);
    expect(await db.collection('aborted_birth').countDocuments()).toBe(0);
  });
});
