/**
 * Isolation between two open transactions, as MongoDB's snapshot read
 * concern defines it: a transaction reads one snapshot of committed data
 * plus its own writes, never another transaction's uncommitted writes, and
 * not what others commit after its snapshot was taken. Every way a read can
 * reach a document is checked, because a server may answer them by
 * different paths: lookup by _id, a filter on another field (a scan), a
 * filter on a uniquely indexed field, countDocuments and aggregate. Reads
 * outside any transaction must not see uncommitted writes either.
 *
 * Only reads meet the open transaction here: on MongoDB a write outside a
 * transaction would wait for it, which is not what these tests are about.
 */
import type { ClientSession, TransactionOptions } from 'mongodb';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../support/mongo.ts';
import type { AnyDoc } from './server-error.ts';

const { client, db } = await useTestDatabase();

const TXN: TransactionOptions = {
  readConcern: { level: 'snapshot' },
  writeConcern: { w: 'majority' },
};

const people = db.collection<AnyDoc>('people');

beforeAll(async () => {
  await db.createCollection('people', { writeConcern: { w: 'majority' } });
  // A unique index gives the server a second way to find a document.
  await people.createIndex({ email: 1 }, { unique: true });
});

const sessions: ClientSession[] = [];
function startTransaction(): ClientSession {
  const session = client.startSession({ defaultTransactionOptions: TXN });
  sessions.push(session);
  session.startTransaction();
  return session;
}
afterEach(async () => {
  for (const session of sessions.splice(0)) {
    if (session.inTransaction()) await session.abortTransaction();
    await session.endSession();
  }
});

/** What one reader (a transaction's session, or none) sees of a document, by every read path. */
async function seenBy(session: ClientSession | undefined, id: string, field: { tag: string; email: string }): Promise<unknown[]> {
  const options = session === undefined ? {} : { session };
  return [
    await people.findOne({ _id: id }, options),
    await people.find({ tag: field.tag }, options).toArray(),
    await people.find({ email: field.email }, options).toArray(),
    await people.countDocuments({ tag: field.tag }, options),
    await people.aggregate([{ $match: { tag: field.tag } }], options).toArray(),
  ];
}

/** The answers of `seenBy` when the document is absent, or present as `doc`. */
function absent(): unknown[] {
  return [null, [], [], 0, []];
}
function present(doc: AnyDoc): unknown[] {
  return [doc, [doc], [doc], 1, [doc]];
}

describe('an open transaction’s uncommitted writes', () => {
  it('an insert is invisible to another open transaction and outside, until commit', async () => {
    const doc = { _id: 'ins', tag: 'ins-tag', email: 'ins@example.com' };
    const fields = { tag: doc.tag, email: doc.email };
    const reader = startTransaction();
    expect(await seenBy(reader, doc._id, fields)).toEqual(absent()); // takes the reader's snapshot

    const writer = startTransaction();
    await people.insertOne(doc, { session: writer });
    expect(await seenBy(writer, doc._id, fields)).toEqual(present(doc));
    expect(await seenBy(reader, doc._id, fields)).toEqual(absent());
    expect(await seenBy(undefined, doc._id, fields)).toEqual(absent());

    await writer.commitTransaction();
    expect(await seenBy(reader, doc._id, fields)).toEqual(absent());
    expect(await seenBy(undefined, doc._id, fields)).toEqual(present(doc));
    expect(await seenBy(startTransaction(), doc._id, fields)).toEqual(present(doc));
    await reader.commitTransaction();
  });

  it('a transaction started after the write, before the commit, does not see it either', async () => {
    const doc = { _id: 'late', tag: 'late-tag', email: 'late@example.com' };
    const fields = { tag: doc.tag, email: doc.email };
    const writer = startTransaction();
    await people.insertOne(doc, { session: writer });

    const reader = startTransaction();
    expect(await seenBy(reader, doc._id, fields)).toEqual(absent());
    await writer.commitTransaction();
    expect(await seenBy(reader, doc._id, fields)).toEqual(absent());
    expect(await seenBy(undefined, doc._id, fields)).toEqual(present(doc));
  });

  it('an update is invisible: others keep reading the committed version by old and new values', async () => {
    const before = { _id: 'upd', tag: 'upd-old', email: 'upd-old@example.com', balance: 100 };
    const after = { _id: 'upd', tag: 'upd-new', email: 'upd-new@example.com', balance: 50 };
    await people.insertOne(before, { writeConcern: { w: 'majority' } });
    const oldFields = { tag: before.tag, email: before.email };
    const newFields = { tag: after.tag, email: after.email };

    const reader = startTransaction();
    expect(await seenBy(reader, 'upd', oldFields)).toEqual(present(before));

    const writer = startTransaction();
    await people.updateOne({ _id: 'upd' }, { $set: { tag: after.tag, email: after.email, balance: 50 } }, { session: writer });
    expect(await seenBy(writer, 'upd', newFields)).toEqual(present(after));
    for (const session of [reader, undefined]) {
      expect(await seenBy(session, 'upd', oldFields)).toEqual(present(before));
      expect((await seenBy(session, 'upd', newFields)).slice(1)).toEqual(absent().slice(1));
      expect(await people.countDocuments({ balance: 50 }, session === undefined ? {} : { session })).toBe(0);
    }

    await writer.commitTransaction();
    expect(await seenBy(reader, 'upd', oldFields)).toEqual(present(before));
    expect((await seenBy(reader, 'upd', newFields)).slice(1)).toEqual(absent().slice(1));
    expect(await seenBy(undefined, 'upd', newFields)).toEqual(present(after));
    expect((await seenBy(undefined, 'upd', oldFields)).slice(1)).toEqual(absent().slice(1));
  });

  it('a delete is invisible: others still find the document until commit, and the snapshot after', async () => {
    const doc = { _id: 'del', tag: 'del-tag', email: 'del@example.com' };
    const fields = { tag: doc.tag, email: doc.email };
    await people.insertOne(doc, { writeConcern: { w: 'majority' } });

    const reader = startTransaction();
    expect(await seenBy(reader, doc._id, fields)).toEqual(present(doc));
    const writer = startTransaction();
    await people.deleteOne({ _id: doc._id }, { session: writer });
    expect(await seenBy(writer, doc._id, fields)).toEqual(absent());
    expect(await seenBy(reader, doc._id, fields)).toEqual(present(doc));
    expect(await seenBy(undefined, doc._id, fields)).toEqual(present(doc));

    await writer.commitTransaction();
    expect(await seenBy(reader, doc._id, fields)).toEqual(present(doc));
    expect(await seenBy(undefined, doc._id, fields)).toEqual(absent());
  });
});
