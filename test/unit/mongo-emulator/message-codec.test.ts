import { describe, it, expect } from 'vitest';
import { Long, ObjectId, UUID } from 'bson';
import {
  decodeReply,
  decodeRequest,
  encodeMsg,
  encodeQuery,
  encodeReply,
  MsgFlag,
  OpCode,
  readHeader,
} from '../../../src/mongo-emulator/wire/message-codec.ts';
import { crc32c } from '../../../src/mongo-emulator/wire/crc32c.ts';
import { MessageFramer } from '../../../src/mongo-emulator/wire/message-framer.ts';

describe('OP_MSG', () => {
  it('round-trips a body with kind-1 document sequences folded into array fields', () => {
    const id = new ObjectId();
    const docs = [{ _id: id, n: Long.fromString('9007199254740993') }, { _id: 2, u: new UUID() }];
    const bytes = encodeMsg(7, 0, { insert: 'users', ordered: true, $db: 'app' }, { sequences: [{ identifier: 'documents', documents: docs }] });
    const request = decodeRequest(bytes);
    expect(request.kind).toBe('msg');
    expect(request.header).toMatchObject({ requestId: 7, responseTo: 0, opCode: OpCode.Msg, messageLength: bytes.length });
    expect(request.command['insert']).toBe('users');
    const decoded = request.command['documents'] as Array<Record<string, unknown>>;
    expect(decoded).toHaveLength(2);
    expect((decoded[0]?.['_id'] as ObjectId).equals(id)).toBe(true);
    expect(String(decoded[0]?.['n'])).toBe('9007199254740993');
    expect(request.moreToCome).toBe(false);
  });

  it('reports moreToCome (the client wants no reply)', () => {
    const bytes = encodeMsg(1, 0, { insert: 'c', $db: 'd' }, { flags: MsgFlag.MoreToCome });
    expect(decodeRequest(bytes).moreToCome).toBe(true);
  });

  it('accepts a correct CRC-32C checksum and rejects a wrong one', () => {
    const bytes = encodeMsg(1, 0, { ping: 1, $db: 'admin' }, { checksum: true });
    expect(decodeRequest(bytes).command).toEqual({ ping: 1, $db: 'admin' });
    bytes.writeUInt32LE((bytes.readUInt32LE(bytes.length - 4) + 1) >>> 0, bytes.length - 4);
    expect(() => decodeRequest(bytes)).toThrow(/checksum/);
  });

  it('computes the CRC-32C check value of "123456789"', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });
});

describe('OP_QUERY and OP_REPLY', () => {
  it('decodes a legacy hello sent to admin.$cmd', () => {
    const request = decodeRequest(encodeQuery(3, 'admin.$cmd', { isMaster: 1, helloOk: true }));
    expect(request.kind).toBe('query');
    expect(request.fullCollectionName).toBe('admin.$cmd');
    expect(request.command).toEqual({ isMaster: 1, helloOk: true });
  });

  it('encodes one reply document answering the request id', () => {
    const bytes = encodeReply(9, 3, { ok: 1, ismaster: true });
    expect(readHeader(bytes)).toMatchObject({ requestId: 9, responseTo: 3, opCode: OpCode.Reply });
    expect(bytes.readInt32LE(16 + 16)).toBe(1); // numberReturned
    expect(decodeReply(bytes)).toEqual({ ok: 1, ismaster: true });
  });
});

describe('MessageFramer', () => {
  it('cuts messages split across and packed into chunks', () => {
    const a = encodeMsg(1, 0, { ping: 1, $db: 'admin' });
    const b = encodeMsg(2, 0, { hello: 1, $db: 'admin' });
    const all = Buffer.concat([a, b]);
    const framer = new MessageFramer();
    const out = [...framer.push(all.subarray(0, 3)), ...framer.push(all.subarray(3, a.length + 5)), ...framer.push(all.subarray(a.length + 5))];
    expect(out.map((m) => readHeader(m).requestId)).toEqual([1, 2]);
  });

  it('rejects an impossible length', () => {
    const bad = Buffer.alloc(16);
    bad.writeInt32LE(3, 0);
    expect(() => new MessageFramer().push(bad)).toThrow(/length/);
  });
});
