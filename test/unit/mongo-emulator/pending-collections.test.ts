/**
 * Collections an open transaction created: hidden from listDatabases too,
 * a write conflict for another transaction, and kept when a write outside
 * any transaction commits a document into them.
 */
import { describe, expect, it } from 'vitest';
import { newServer, run, session } from './harness.ts';

describe('a collection created in an open transaction', () => {
  it('keeps its database out of listDatabases until the commit', async () => {
    const server = newServer();
    const s = session();
    await run(server, { insert: 'c', documents: [{ _id: 1 }], ...s.start() }, 'fresh');
    const names = async (): Promise<unknown[]> =>
      ((await run(server, { listDatabases: 1, nameOnly: true }, 'admin'))['databases'] as Array<{ name: string }>).map((d) => d.name);
    expect(await names()).not.toContain('fresh');
    await run(server, { commitTransaction: 1, ...s.next() }, 'admin');
    expect(await names()).toContain('fresh');
  });

  it('is a write conflict for another transaction', async () => {
    const server = newServer();
    const a = session();
    const b = session();
    expect(await run(server, { insert: 'c', documents: [{ _id: 1 }], ...a.start() })).toMatchObject({ ok: 1 });
    expect(await run(server, { insert: 'c', documents: [{ _id: 2 }], ...b.start() })).toMatchObject({ ok: 0, code: 112 });
  });

  it('stays when a write outside the transaction committed into it, even if the transaction aborts', async () => {
    const server = newServer();
    const s = session();
    await run(server, { insert: 'c', documents: [{ _id: 1 }], ...s.start() });
    await run(server, { insert: 'c', documents: [{ _id: 2 }] });
    await run(server, { abortTransaction: 1, ...s.next() }, 'admin');
    const listed = await run(server, { listCollections: 1, nameOnly: true });
    expect((listed['cursor'] as { firstBatch: unknown[] }).firstBatch).toEqual([{ name: 'c', type: 'collection' }]);
  });
});
