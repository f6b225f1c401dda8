/**
 * Multi-document transactions on a replica set, as MongoDB's transactions
 * reference and the driver's withTransaction describe them: isolation until
 * commit, atomic commit across collections, abort, snapshot reads, write
 * conflicts (112 WriteConflict, label TransientTransactionError) and
 * withTransaction retrying the loser, NoSuchTransaction (251) for a
 * transaction the server already aborted.
 *
 * Concurrency is arranged with explicit barriers (promises), never sleeps.
 * Only transaction-vs-transaction conflicts are provoked: a write outside a
 * transaction that meets a transaction's lock waits on real MongoDB instead.
 *
 * The 60-second transactionLifetimeLimitSeconds cannot be tested quickly
 * without changing a server parameter; it is left to the emulator's own unit
 * tests (see the skipped test at the end, which says why).
 */
import { MongoServerError, type ClientSession, type TransactionOptions } from 'mongodb';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../support/mongo.ts';
import { type AnyDoc, serverError } from './server-error.ts';
import { unlessDocumentdb } from '../support/documentdb-departures.ts';

const { client, db } = await useTestDatabase();

const TXN: TransactionOptions = {
  readConcern: { level: 'snapshot' },
  writeConcern: { w: 'majority' },
};

const accounts = db.collection<AnyDoc>('accounts');
const ledger = db.collection<AnyDoc>('ledger');
const counters = db.collection<AnyDoc>('counters');

// Collections exist before any transaction starts (creating them inside one
// is allowed since 4.4, but it is not what these tests are about).
beforeAll(async () => {
  for (const name of ['accounts', 'ledger', 'counters']) {
    await db.createCollection(name, { writeConcern: { w: 'majority' } });
  }
});

const sessions: ClientSession[] = [];
function startSession(): ClientSession {
  const session = client.startSession({ defaultTransactionOptions: TXN });
  sessions.push(session);
  return session;
}
afterEach(async () => {
  for (const session of sessions.splice(0)) {
    if (session.inTransaction()) await session.abortTransaction();
    await session.endSession();
  }
});

/** Resolves for everyone once `parties` callers have arrived. */
function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  let release: () => void = () => {};
  const open = new Promise<void>((resolve) => {
    release = resolve;
  });
  return async () => {
    arrived += 1;
    if (arrived === parties) release();
    await open;
  };
}

describe('isolation and atomicity', () => {
  it('reads inside a transaction see its own writes', async () => {
    const session = startSession();
    session.startTransaction();
    await accounts.insertOne({ _id: 'own', balance: 10 }, { session });
    await accounts.updateOne({ _id: 'own' }, { $inc: { balance: 5 } }, { session });
    expect(await accounts.findOne({ _id: 'own' }, { session })).toEqual({ _id: 'own', balance: 15 });
    expect(await accounts.countDocuments({ _id: 'own' }, { session })).toBe(1);
    await session.commitTransaction();
    expect(await accounts.findOne({ _id: 'own' })).toEqual({ _id: 'own', balance: 15 });
  });

  it('writes stay invisible outside until commit, then appear in both collections at once', async () => {
    await accounts.insertOne({ _id: 'alice', balance: 100 });
    const session = startSession();
    session.startTransaction();
    await accounts.updateOne({ _id: 'alice' }, { $inc: { balance: -30 } }, { session });
    await ledger.insertOne({ _id: 'entry-1', account: 'alice', amount: -30 }, { session });

    expect(await accounts.findOne({ _id: 'alice' })).toEqual({ _id: 'alice', balance: 100 });
    expect(await ledger.findOne({ _id: 'entry-1' })).toBeNull();

    await session.commitTransaction();
    expect(await accounts.findOne({ _id: 'alice' })).toEqual({ _id: 'alice', balance: 70 });
    expect(await ledger.findOne({ _id: 'entry-1' })).toEqual({ _id: 'entry-1', account: 'alice', amount: -30 });
  });

  it('withTransaction commits the callback’s writes atomically and returns its value', async () => {
    const session = startSession();
    const result = await session.withTransaction(async () => {
      await accounts.insertOne({ _id: 'bob', balance: 5 }, { session });
      await ledger.insertOne({ _id: 'entry-bob', account: 'bob', amount: 5 }, { session });
      expect(await ledger.countDocuments({ account: 'bob' })).toBe(0);
      return 'done';
    });
    expect(result).toBe('done');
    expect(await accounts.countDocuments({ _id: 'bob' })).toBe(1);
    expect(await ledger.countDocuments({ account: 'bob' })).toBe(1);
  });

  it('abortTransaction discards every write', async () => {
    const session = startSession();
    session.startTransaction();
    await accounts.insertOne({ _id: 'ghost', balance: 1 }, { session });
    await ledger.insertOne({ _id: 'entry-ghost', account: 'ghost' }, { session });
    await session.abortTransaction();
    expect(await accounts.findOne({ _id: 'ghost' })).toBeNull();
    expect(await ledger.findOne({ _id: 'entry-ghost' })).toBeNull();
  });

  it('an error thrown by the withTransaction callback aborts and propagates', async () => {
    const session = startSession();
    const failure = new Error('business rule failed');
    await expect(
      session.withTransaction(async () => {
        await accounts.insertOne({ _id: 'half', balance: 1 }, { session });
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await accounts.findOne({ _id: 'half' })).toBeNull();
  });

  it('reads come from a snapshot: a commit by someone else after the first read is not seen', async () => {
    await accounts.insertMany([
      { _id: 'snap-a', balance: 1 },
      { _id: 'snap-b', balance: 1 },
    ]);
    const session = startSession();
    session.startTransaction();
    expect(await accounts.findOne({ _id: 'snap-a' }, { session })).toMatchObject({ balance: 1 });

    await accounts.updateOne({ _id: 'snap-b' }, { $set: { balance: 2 } }, { writeConcern: { w: 'majority' } });
    await accounts.insertOne({ _id: 'snap-c', balance: 3 }, { writeConcern: { w: 'majority' } });

    expect(await accounts.findOne({ _id: 'snap-b' }, { session })).toMatchObject({ balance: 1 });
    expect(await accounts.findOne({ _id: 'snap-c' }, { session })).toBeNull();
    await session.commitTransaction();
    expect(await accounts.findOne({ _id: 'snap-b' })).toMatchObject({ balance: 2 });
  });
});

describe('write conflicts', () => {
  unlessDocumentdb('NO_TRANSIENT_LABEL')('the second transaction to write a document gets 112 WriteConflict, labelled transient', async () => {
    await counters.insertOne({ _id: 'wc', n: 0 });
    const first = startSession();
    const second = startSession();
    first.startTransaction();
    second.startTransaction();
    await counters.updateOne({ _id: 'wc' }, { $inc: { n: 1 } }, { session: first });

    const error = await serverError(counters.updateOne({ _id: 'wc' }, { $inc: { n: 10 } }, { session: second }));
    expect(error.code).toBe(112);
    expect(error.codeName).toBe('WriteConflict');
    expect(error.hasErrorLabel('TransientTransactionError')).toBe(true);

    await first.commitTransaction();
    await second.abortTransaction();
    expect(await counters.findOne({ _id: 'wc' })).toEqual({ _id: 'wc', n: 1 });
  });

  unlessDocumentdb('NO_TRANSIENT_LABEL')('a document committed by another transaction after this one’s snapshot cannot be written: 112', async () => {
    await counters.insertOne({ _id: 'late', n: 0 });
    const early = startSession();
    early.startTransaction();
    expect(await counters.findOne({ _id: 'late' }, { session: early })).toMatchObject({ n: 0 });

    const other = startSession();
    await other.withTransaction(async () => {
      await counters.updateOne({ _id: 'late' }, { $inc: { n: 1 } }, { session: other });
    });

    const error = await serverError(counters.updateOne({ _id: 'late' }, { $inc: { n: 1 } }, { session: early }));
    expect(error.code).toBe(112);
    expect(error.hasErrorLabel('TransientTransactionError')).toBe(true);
    await early.abortTransaction();
    expect(await counters.findOne({ _id: 'late' })).toEqual({ _id: 'late', n: 1 });
  });

  unlessDocumentdb('NO_SUCH_TRANSACTION')('after the server aborts a transaction, its next command fails with 251 NoSuchTransaction', async () => {
    await counters.insertOne({ _id: 'nst', n: 0 });
    const winner = startSession();
    const loser = startSession();
    winner.startTransaction();
    loser.startTransaction();
    await counters.updateOne({ _id: 'nst' }, { $inc: { n: 1 } }, { session: winner });
    const conflict = await serverError(counters.updateOne({ _id: 'nst' }, { $inc: { n: 1 } }, { session: loser }));
    expect(conflict.code).toBe(112);

    const gone = await serverError(counters.findOne({ _id: 'nst' }, { session: loser }));
    expect(gone.code).toBe(251);
    expect(gone.codeName).toBe('NoSuchTransaction');
    expect(gone.hasErrorLabel('TransientTransactionError')).toBe(true);

    const commit = await serverError(loser.commitTransaction());
    expect(commit.code).toBe(251);

    await winner.commitTransaction();
    expect(await counters.findOne({ _id: 'nst' })).toEqual({ _id: 'nst', n: 1 });
  });

  unlessDocumentdb('NO_TRANSIENT_LABEL')('withTransaction retries the loser of a conflict until both increments land', async () => {
    await counters.insertOne({ _id: 'shared', n: 0 });
    const bothHaveRead = barrier(2);
    const attempts = [0, 0];

    const increment = async (who: 0 | 1): Promise<void> => {
      const session = startSession();
      await session.withTransaction(async () => {
        attempts[who] = (attempts[who] ?? 0) + 1;
        const current = await counters.findOne({ _id: 'shared' }, { session });
        expect(current?.['n']).toEqual(expect.any(Number));
        // Only the first attempt waits: both transactions have taken their
        // snapshot before either writes, so exactly one of them must lose.
        if (attempts[who] === 1) await bothHaveRead();
        await counters.updateOne({ _id: 'shared' }, { $inc: { n: 1 } }, { session });
      });
    };

    await Promise.all([increment(0), increment(1)]);
    expect(await counters.findOne({ _id: 'shared' })).toEqual({ _id: 'shared', n: 2 });
    expect((attempts[0] ?? 0) + (attempts[1] ?? 0)).toBeGreaterThanOrEqual(3);
  });

  it('withTransaction does not retry a non-transient server error', async () => {
    await counters.insertOne({ _id: 'dup-in-txn', n: 0 });
    const session = startSession();
    let calls = 0;
    const error = await serverError(
      session.withTransaction(async () => {
        calls += 1;
        await counters.insertOne({ _id: 'dup-in-txn', n: 1 }, { session });
      }),
    );
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error.code).toBe(11000);
    expect(error.hasErrorLabel('TransientTransactionError')).toBe(false);
    expect(calls).toBe(1);
    expect(await counters.findOne({ _id: 'dup-in-txn' })).toEqual({ _id: 'dup-in-txn', n: 0 });
  });
});

describe('transaction lifetime', () => {
  it.skip('is aborted by the server after transactionLifetimeLimitSeconds (60 s by default): not testable quickly without setParameter on the server; covered by the emulator unit tests', () => {});
});
