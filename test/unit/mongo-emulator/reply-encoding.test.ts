/**
 * A reply the emulator cannot encode must fail that command, never the
 * connection or the process hosting the emulator: over the wire, a result
 * document past the BSON limit answers 10334 BSONObjectTooLarge and the
 * same connection keeps serving; in-process, a reply BSON cannot represent
 * becomes an error reply, and what the lost reply set up (its cursor, its
 * transaction) is undone.
 */
import { deserialize, Long } from 'bson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeReplyFor } from '../../../src/mongo-emulator/server/reply-encoder.ts';
import { decodeReply, OpCode, type DecodedRequest } from '../../../src/mongo-emulator/wire/message-codec.ts';
import { newServer, run, session } from './harness.ts';
import { RawClient, rawEmulator, type Doc } from './raw-client.ts';

const MIB = 1024 * 1024;
/** Pushes every payload into one result document of ~20 MiB. */
const HUGE_RESULT = [{ $group: { _id: null, all: { $push: '$payload' } } }];

describe('over the wire', () => {
  let env: Awaited<ReturnType<typeof rawEmulator>>;
  beforeAll(async () => {
    env = await rawEmulator();
    for (let i = 0; i < 20; i += 5) {
      const documents = Array.from({ length: 5 }, (_, k) => ({ _id: i + k, payload: 'p'.repeat(MIB) }));
      expect((await env.client.command({ insert: 'parts', documents })).body['ok']).toBe(1);
    }
  });
  afterAll(() => env.close());

  it('a result too large to encode answers BSONObjectTooLarge and the connection keeps serving', async () => {
    const { body } = await env.client.command({ aggregate: 'parts', pipeline: HUGE_RESULT, cursor: {} });
    expect(body).toMatchObject({ ok: 0, code: 10334, codeName: 'BSONObjectTooLarge' });
    expect(body['errmsg']).toMatch(/^BSONObj size: \d+ .* is invalid/);

    expect((await env.client.command({ ping: 1 }, 'admin')).body).toMatchObject({ ok: 1 });
    const count = await env.client.command({ count: 'parts' });
    expect(count.body).toMatchObject({ ok: 1, n: 20 });
    const other = await RawClient.connect(env.emulator.port);
    expect((await other.command({ ping: 1 }, 'admin')).body).toMatchObject({ ok: 1 });
    other.close();
  });

  it('the failure aborts the transaction it happened in, as any command error does', async () => {
    const s = session();
    const inTxn = await env.client.command({ aggregate: 'parts', pipeline: HUGE_RESULT, cursor: {}, ...s.start() });
    expect(inTxn.body).toMatchObject({ ok: 0, code: 10334 });
    const after = await env.client.command({ find: 'parts', filter: { _id: 0 }, ...s.next() });
    expect(after.body).toMatchObject({ ok: 0, code: 251, codeName: 'NoSuchTransaction' });
  });
});

describe('encodeReplyFor', () => {
  function request(command: Doc, kind: 'msg' | 'query' = 'msg'): DecodedRequest {
    const opCode = kind === 'msg' ? OpCode.Msg : OpCode.Query;
    return { header: { messageLength: 0, requestId: 7, responseTo: 0, opCode }, kind, command, moreToCome: false };
  }
  // BSON keys are C strings: bson refuses to serialise a key with a NUL.
  const unencodable = (): Doc => ({ ok: 1, bad: { 'a\0b': 1 } });
  const msgBody = (bytes: Buffer): Doc => deserialize(bytes.subarray(21));

  it('answers InternalError for a reply BSON cannot represent, in OP_MSG and OP_REPLY', () => {
    const server = newServer();
    const msg = encodeReplyFor(server, request({ ping: 1 }), unencodable(), 1) as Buffer;
    expect(msg.readInt32LE(8)).toBe(7); // responseTo
    expect(msgBody(msg)).toMatchObject({ ok: 0, code: 1, codeName: 'InternalError' });
    expect(String(msgBody(msg)['errmsg'])).toMatch(/could not be encoded/);

    const legacy = encodeReplyFor(server, request({ ping: 1 }, 'query'), unencodable(), 2) as Buffer;
    expect(legacy.readInt32LE(12)).toBe(OpCode.Reply);
    expect(decodeReply(legacy)).toMatchObject({ ok: 0, code: 1 });
  });

  it('kills the cursor the lost reply opened', async () => {
    const server = newServer();
    await run(server, { insert: 'c', documents: [{ _id: 1 }, { _id: 2 }, { _id: 3 }] });
    const reply = await run(server, { find: 'c', batchSize: 1 });
    const id = (reply['cursor'] as Doc)['id'] as Long;
    expect(server.cursors.get(id)).toBeDefined();
    const bad = { ...reply, extra: unencodable() };
    expect(msgBody(encodeReplyFor(server, request({ find: 'c' }), bad, 1) as Buffer)['ok']).toBe(0);
    expect(server.cursors.get(id)).toBeUndefined();
  });

  it('aborts the transaction the lost reply belonged to', async () => {
    const server = newServer();
    await run(server, { insert: 'c', documents: [{ _id: 1 }] });
    const s = session();
    const started = s.start();
    expect((await run(server, { find: 'c', ...started }))['ok']).toBe(1);
    encodeReplyFor(server, request({ find: 'c', ...started, $db: 't' }), unencodable(), 1);
    expect(await run(server, { find: 'c', ...s.next() })).toMatchObject({ ok: 0, code: 251 });
  });

  it('leaves a committed transaction alone', async () => {
    const server = newServer();
    const s = session();
    expect((await run(server, { insert: 'c', documents: [{ _id: 1 }], ...s.start() }))['ok']).toBe(1);
    expect((await run(server, { commitTransaction: 1, ...s.next() }, 'admin'))['ok']).toBe(1);
    encodeReplyFor(server, request({ commitTransaction: 1, ...s.next() }), unencodable(), 1);
    expect(await run(server, { commitTransaction: 1, ...s.next() }, 'admin')).toMatchObject({ ok: 1 });
    expect(await run(server, { count: 'c' })).toMatchObject({ ok: 1, n: 1 });
  });
});
