import { describe, it, expect } from 'vitest';
import { findAll, newServer, run, session } from './harness.ts';
import { TRANSACTION_LIFETIME_MS } from '../../../src/mongo-emulator/txn/session-registry.ts';
import { latestDoc } from '../../../src/mongo-emulator/storage/collection.ts';

// Expectations from MongoDB's manual: "Transactions and Read Concern"
// (snapshot), "In-progress Transactions and Write Conflicts", and
// "Production Considerations" (transactionLifetimeLimitSeconds).

async function seeded() {
  const server = newServer();
  await run(server, { insert: 'c', documents: [{ _id: 1, n: 0 }, { _id: 2, n: 0 }] });
  return server;
}

describe('snapshot visibility', () => {
  it('reads the snapshot plus its own writes; others see nothing until commit', async () => {
    const server = await seeded();
    const s = session();
    await run(server, { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { n: 1 } } }], ...s.start() });
    await run(server, { insert: 'c', documents: [{ _id: 3 }], ...s.next() });
    expect(await findAll(server, 'c', {}, s.next())).toHaveLength(3);
    expect(await findAll(server, 'c')).toEqual([{ _id: 1, n: 0 }, { _id: 2, n: 0 }]);
    expect((await run(server, { commitTransaction: 1, ...s.next() }, 'admin'))['ok']).toBe(1);
    expect(await findAll(server, 'c')).toEqual([{ _id: 1, n: 1 }, { _id: 2, n: 0 }, { _id: 3 }]);
  });

  it('does not see writes committed by others after its snapshot', async () => {
    const server = await seeded();
    const s = session();
    await findAll(server, 'c', {}, s.start());
    await run(server, { insert: 'c', documents: [{ _id: 9 }] });
    await run(server, { update: 'c', updates: [{ q: { _id: 2 }, u: { $set: { n: 5 } } }] });
    expect(await findAll(server, 'c', {}, s.next())).toEqual([{ _id: 1, n: 0 }, { _id: 2, n: 0 }]);
  });

  it('abort discards the write set', async () => {
    const server = await seeded();
    const s = session();
    await run(server, { delete: 'c', deletes: [{ q: {}, limit: 0 }], ...s.start() });
    expect(await findAll(server, 'c', {}, s.next())).toEqual([]);
    await run(server, { abortTransaction: 1, ...s.next() }, 'admin');
    expect(await findAll(server, 'c')).toHaveLength(2);
  });

  it('committing again succeeds; other commands after abort get 251 with TransientTransactionError', async () => {
    const server = await seeded();
    const s = session();
    await run(server, { insert: 'c', documents: [{ _id: 5 }], ...s.start() });
    await run(server, { commitTransaction: 1, ...s.next() }, 'admin');
    expect((await run(server, { commitTransaction: 1, ...s.next() }, 'admin'))['ok']).toBe(1);
    await run(server, { insert: 'c', documents: [{ _id: 6 }], ...s.start() });
    await run(server, { abortTransaction: 1, ...s.next() }, 'admin');
    const reply = await run(server, { insert: 'c', documents: [{ _id: 7 }], ...s.next() });
    expect(reply).toMatchObject({ ok: 0, code: 251, codeName: 'NoSuchTransaction', errorLabels: ['TransientTransactionError'] });
  });
});

describe('write conflicts', () => {
  it('a second transaction writing the same document gets 112 WriteConflict, transient', async () => {
    const server = await seeded();
    const a = session();
    const b = session();
    await run(server, { update: 'c', updates: [{ q: { _id: 1 }, u: { $inc: { n: 1 } } }], ...a.start() });
    const reply = await run(server, { update: 'c', updates: [{ q: { _id: 1 }, u: { $inc: { n: 1 } } }], ...b.start() });
    expect(reply).toMatchObject({ ok: 0, code: 112, codeName: 'WriteConflict', errorLabels: ['TransientTransactionError'] });
    // The failed transaction is aborted; the first one still commits.
    expect((await run(server, { commitTransaction: 1, ...b.next() }, 'admin'))['code']).toBe(251);
    expect((await run(server, { commitTransaction: 1, ...a.next() }, 'admin'))['ok']).toBe(1);
    expect(await findAll(server, 'c', { _id: 1 })).toEqual([{ _id: 1, n: 1 }]);
  });

  it('writing a document committed by someone else after the snapshot is a WriteConflict', async () => {
    const server = await seeded();
    const s = session();
    await findAll(server, 'c', {}, s.start());
    await run(server, { update: 'c', updates: [{ q: { _id: 2 }, u: { $set: { n: 7 } } }] });
    const reply = await run(server, { update: 'c', updates: [{ q: { _id: 2 }, u: { $set: { n: 8 } } }], ...s.next() });
    expect(reply['code']).toBe(112);
  });

  it('inserting the same new _id in two transactions conflicts', async () => {
    const server = await seeded();
    const a = session();
    const b = session();
    await run(server, { insert: 'c', documents: [{ _id: 'x' }], ...a.start() });
    expect((await run(server, { insert: 'c', documents: [{ _id: 'x' }], ...b.start() }))['code']).toBe(112);
  });

  it('a write outside transactions waits for the transaction holding the document', async () => {
    const server = await seeded();
    const s = session();
    await run(server, { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { n: 1 } } }], ...s.start() });
    let done = false;
    const outside = run(server, { update: 'c', updates: [{ q: { _id: 1 }, u: { $inc: { n: 10 } } }] }).then((reply) => {
      done = true;
      return reply;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    await run(server, { commitTransaction: 1, ...s.next() }, 'admin');
    expect(await outside).toMatchObject({ ok: 1, n: 1, nModified: 1 });
    expect(await findAll(server, 'c', { _id: 1 })).toEqual([{ _id: 1, n: 11 }]);
  });

  it('the wait is bounded by maxTimeMS (50 MaxTimeMSExpired)', async () => {
    const server = await seeded();
    const s = session();
    await run(server, { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { n: 1 } } }], ...s.start() });
    const reply = await run(server, { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { n: 2 } } }], maxTimeMS: 20 });
    expect(reply).toMatchObject({ ok: 0, code: 50, codeName: 'MaxTimeMSExpired' });
  });
});

describe('unique indexes in transactions', () => {
  it('sees duplicates against its own view (11000 in writeErrors) and conflicts on keys another transaction holds', async () => {
    const server = newServer();
    await run(server, { createIndexes: 'u', indexes: [{ key: { email: 1 }, name: 'email_1', unique: true }] });
    await run(server, { insert: 'u', documents: [{ _id: 1, email: 'a' }] });
    const a = session();
    const dup = await run(server, { insert: 'u', documents: [{ _id: 2, email: 'a' }], ...a.start() });
    expect((dup['writeErrors'] as Array<Record<string, unknown>>)[0]).toMatchObject({ index: 0, code: 11000 });
    const b = session();
    const c = session();
    await run(server, { insert: 'u', documents: [{ _id: 3, email: 'b' }], ...b.start() });
    expect((await run(server, { insert: 'u', documents: [{ _id: 4, email: 'b' }], ...c.start() }))['code']).toBe(112);
  });

  it('frees a key for others only when the transaction that removed it commits', async () => {
    const server = newServer();
    await run(server, { createIndexes: 'u', indexes: [{ key: { email: 1 }, name: 'email_1', unique: true }] });
    await run(server, { insert: 'u', documents: [{ _id: 1, email: 'a' }] });
    const s = session();
    await run(server, { update: 'u', updates: [{ q: { _id: 1 }, u: { $set: { email: 'z' } } }], ...s.start() });
    await run(server, { insert: 'u', documents: [{ _id: 2, email: 'a' }], ...s.next() });
    await run(server, { commitTransaction: 1, ...s.next() }, 'admin');
    expect(await findAll(server, 'u', {}, { sort: { _id: 1 } })).toEqual([{ _id: 1, email: 'z' }, { _id: 2, email: 'a' }]);
  });
});

describe('lifetime and garbage collection', () => {
  it('aborts transactions older than transactionLifetimeLimitSeconds', async () => {
    const server = await seeded();
    const s = session();
    await run(server, { insert: 'c', documents: [{ _id: 8 }], ...s.start() });
    expect(server.sessions.expire(Date.now() + TRANSACTION_LIFETIME_MS)).toBe(1);
    expect((await run(server, { commitTransaction: 1, ...s.next() }, 'admin'))['code']).toBe(251);
    expect(await findAll(server, 'c')).toHaveLength(2);
  });

  it('keeps old versions only while an open transaction can see them', async () => {
    const server = await seeded();
    const collection = server.catalog.get('t', 'c');
    const chain = collection?.chains.get('n:1');
    const s = session();
    await findAll(server, 'c', {}, s.start());
    await run(server, { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { n: 1 } } }] });
    await run(server, { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { n: 2 } } }] });
    expect(chain?.versions.length).toBe(3);
    await run(server, { abortTransaction: 1, ...s.next() }, 'admin');
    expect(chain?.versions.length).toBe(1);
    expect(chain === undefined ? undefined : latestDoc(chain)).toEqual({ _id: 1, n: 2 });
    await run(server, { delete: 'c', deletes: [{ q: { _id: 1 }, limit: 1 }] });
    expect(collection?.chains.has('n:1')).toBe(false);
  });
});

// MongoDB's manual, Transactions > Production Considerations > Pending DDL
// Operations and Transactions: "New DDL operations that require locks on
// those collections or their parent databases must wait until the
// transaction releases its locks."
describe('DDL behind an open transaction', () => {
  it('drop and dropDatabase wait until a transaction that wrote there ends', async () => {
    const server = await seeded();
    const s = session();
    await run(server, { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { n: 1 } } }], ...s.start() });
    let dropped = false;
    const dropping = run(server, { dropDatabase: 1 }).then((reply) => {
      dropped = true;
      return reply;
    });
    const droppingOther = run(server, { dropDatabase: 1 }, 'other');
    expect((await droppingOther)['ok']).toBe(1);
    expect(dropped).toBe(false);
    expect(server.catalog.get('t', 'c')).toBeDefined();
    await run(server, { abortTransaction: 1, ...s.next() }, 'admin');
    expect((await dropping)['ok']).toBe(1);
    expect(server.catalog.get('t', 'c')).toBeUndefined();
  });

  it('a waiting drop gives up with 50 MaxTimeMSExpired after maxTimeMS', async () => {
    const server = await seeded();
    const s = session();
    await run(server, { insert: 'c', documents: [{ _id: 3 }], ...s.start() });
    expect(await run(server, { drop: 'c', maxTimeMS: 20 })).toMatchObject({ ok: 0, code: 50 });
    await run(server, { abortTransaction: 1, ...s.next() }, 'admin');
    expect(await run(server, { drop: 'c' })).toMatchObject({ ok: 1 });
  });
});
