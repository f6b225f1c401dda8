/**
 * Encoding and decoding of the MongoDB wire protocol messages the emulator
 * speaks: OP_QUERY (the legacy first `hello` of a connection) answered with
 * OP_REPLY, and OP_MSG for everything else. All integers are little-endian;
 * documents are BSON, encoded with the same `bson` package as the driver.
 */
import { calculateObjectSize, deserialize, serialize } from 'bson';
import type { Doc } from '../bson/bson-types.ts';
import { CommandError, ErrorCode } from '../errors.ts';
import { crc32c } from './crc32c.ts';
import { MAX_INTERNAL_BSON_SIZE, MAX_MESSAGE_SIZE } from './limits.ts';

/** Operation codes used here. */
export const OpCode = { Reply: 1, Query: 2004, Msg: 2013, Compressed: 2012 } as const;

/** OP_MSG flag bits. */
export const MsgFlag = { ChecksumPresent: 1, MoreToCome: 2, ExhaustAllowed: 1 << 16 } as const;

/** The 16-byte header every message starts with. */
export interface MessageHeader {
  readonly messageLength: number;
  readonly requestId: number;
  readonly responseTo: number;
  readonly opCode: number;
}

/** A decoded request: the command document with kind-1 sequences folded in. */
export interface DecodedRequest {
  readonly header: MessageHeader;
  readonly kind: 'query' | 'msg';
  readonly command: Doc;
  /** OP_MSG moreToCome: the client expects no reply. */
  readonly moreToCome: boolean;
  /** For OP_QUERY: the `<db>.$cmd` namespace it was sent to. */
  readonly fullCollectionName?: string;
}

/** A kind-1 section: a named sequence of documents. */
export interface DocumentSequence {
  readonly identifier: string;
  readonly documents: readonly Doc[];
}

const HEADER_SIZE = 16;
const DESERIALIZE_OPTIONS = { promoteBuffers: false, validation: { utf8: false } } as const;
const SERIALIZE_OPTIONS = { ignoreUndefined: true, checkKeys: false } as const;

/**
 * Serialises one document of a message. The size is measured first: bson
 * writes through a shared 17 MiB buffer and, for a larger document, throws
 * a RangeError or even returns truncated bytes. A document over MongoDB's
 * limit for server-built documents (16 MiB + 16 KiB, which that buffer
 * holds) is refused with 10334 BSONObjectTooLarge, as mongod refuses it.
 */
function serializeDocument(doc: Doc): Buffer {
  const size = calculateObjectSize(doc, SERIALIZE_OPTIONS);
  if (size > MAX_INTERNAL_BSON_SIZE) {
    throw new CommandError(
      ErrorCode.BSONObjectTooLarge,
      `BSONObj size: ${size} (0x${size.toString(16).toUpperCase()}) is invalid. Size must be between 0 and ${MAX_INTERNAL_BSON_SIZE}(16MB)`,
    );
  }
  // serialize returns a fresh array of its own: wrap it rather than copy it.
  const bytes = serialize(doc, SERIALIZE_OPTIONS);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Refuses a message over `maxMessageSizeBytes`, which no peer would accept. */
function checkMessageSize(length: number): void {
  if (length > MAX_MESSAGE_SIZE) {
    throw new CommandError(ErrorCode.BSONObjectTooLarge, `message of ${length} bytes exceeds maxMessageSizeBytes (${MAX_MESSAGE_SIZE})`);
  }
}

/** Reads the header of a complete message. */
export function readHeader(message: Uint8Array): MessageHeader {
  const view = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  return {
    messageLength: view.readInt32LE(0),
    requestId: view.readInt32LE(4),
    responseTo: view.readInt32LE(8),
    opCode: view.readInt32LE(12),
  };
}

function readCString(buf: Buffer, at: number): [string, number] {
  const end = buf.indexOf(0, at);
  if (end < 0) throw new Error('unterminated cstring in wire message');
  return [buf.toString('utf8', at, end), end + 1];
}

function readDocument(buf: Buffer, at: number): [Doc, number] {
  const size = buf.readInt32LE(at);
  if (size < 5 || at + size > buf.length) throw new Error('BSON document overruns the wire message');
  return [deserialize(buf.subarray(at, at + size), DESERIALIZE_OPTIONS), at + size];
}

function decodeMsg(header: MessageHeader, buf: Buffer): DecodedRequest {
  const flags = buf.readUInt32LE(HEADER_SIZE);
  let end = buf.length;
  if (flags & MsgFlag.ChecksumPresent) {
    end -= 4;
    const expected = buf.readUInt32LE(end);
    if (crc32c(buf.subarray(0, end)) !== expected) throw new Error('OP_MSG checksum mismatch');
  }
  let at = HEADER_SIZE + 4;
  let body: Doc | undefined;
  const sequences: DocumentSequence[] = [];
  while (at < end) {
    const kind = buf.readUInt8(at);
    at += 1;
    if (kind === 0) {
      [body, at] = readDocument(buf, at);
    } else if (kind === 1) {
      const sectionEnd = at + buf.readInt32LE(at);
      let [identifier, cursor] = readCString(buf, at + 4);
      const documents: Doc[] = [];
      while (cursor < sectionEnd) {
        let doc: Doc;
        [doc, cursor] = readDocument(buf, cursor);
        documents.push(doc);
      }
      sequences.push({ identifier, documents });
      at = sectionEnd;
      identifier = '';
    } else {
      throw new Error(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (body === undefined) throw new Error('OP_MSG without a kind-0 section');
  const command: Doc = { ...body };
  for (const sequence of sequences) command[sequence.identifier] = [...sequence.documents];
  return { header, kind: 'msg', command, moreToCome: (flags & MsgFlag.MoreToCome) !== 0 };
}

function decodeQuery(header: MessageHeader, buf: Buffer): DecodedRequest {
  const [fullCollectionName, afterName] = readCString(buf, HEADER_SIZE + 4);
  const [query] = readDocument(buf, afterName + 8);
  // Legacy drivers may wrap the command as { $query: {...}, $readPreference }.
  const inner = query['$query'];
  const command = typeof inner === 'object' && inner !== null ? (inner as Doc) : query;
  return { header, kind: 'query', command, moreToCome: false, fullCollectionName };
}

/** Decodes one complete OP_MSG or OP_QUERY message. */
export function decodeRequest(message: Uint8Array): DecodedRequest {
  const buf = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  const header = readHeader(buf);
  if (header.opCode === OpCode.Msg) return decodeMsg(header, buf);
  if (header.opCode === OpCode.Query) return decodeQuery(header, buf);
  throw new Error(`unsupported wire opCode ${header.opCode}`);
}

function writeHeader(buf: Buffer, requestId: number, responseTo: number, opCode: number): void {
  buf.writeInt32LE(buf.length, 0);
  buf.writeInt32LE(requestId, 4);
  buf.writeInt32LE(responseTo, 8);
  buf.writeInt32LE(opCode, 12);
}

/**
 * Encodes an OP_MSG: one kind-0 body, then any kind-1 sequences; with
 * `checksum` a CRC-32C is appended and flag bit 0 set.
 */
export function encodeMsg(
  requestId: number,
  responseTo: number,
  body: Doc,
  options: { flags?: number; sequences?: readonly DocumentSequence[]; checksum?: boolean } = {},
): Buffer {
  const parts: Buffer[] = [Buffer.from([0]), serializeDocument(body)];
  for (const sequence of options.sequences ?? []) {
    const docs = sequence.documents.map(serializeDocument);
    const name = Buffer.from(`${sequence.identifier}\0`, 'utf8');
    const size = Buffer.alloc(4);
    size.writeInt32LE(4 + name.length + docs.reduce((n, d) => n + d.length, 0));
    parts.push(Buffer.from([1]), size, name, ...docs);
  }
  let flags = options.flags ?? 0;
  if (options.checksum === true) flags |= MsgFlag.ChecksumPresent;
  const flagBytes = Buffer.alloc(4);
  flagBytes.writeUInt32LE(flags >>> 0);
  const payload = Buffer.concat([flagBytes, ...parts]);
  const length = HEADER_SIZE + payload.length + (options.checksum === true ? 4 : 0);
  checkMessageSize(length);
  const buf = Buffer.alloc(length);
  payload.copy(buf, HEADER_SIZE);
  writeHeader(buf, requestId, responseTo, OpCode.Msg);
  if (options.checksum === true) buf.writeUInt32LE(crc32c(buf.subarray(0, buf.length - 4)), buf.length - 4);
  return buf;
}

/** Encodes an OP_REPLY carrying one document (the answer to an OP_QUERY). */
export function encodeReply(requestId: number, responseTo: number, doc: Doc): Buffer {
  const body = serializeDocument(doc);
  checkMessageSize(HEADER_SIZE + 20 + body.length);
  const buf = Buffer.alloc(HEADER_SIZE + 20 + body.length);
  buf.writeInt32LE(0, HEADER_SIZE); // responseFlags
  buf.writeBigInt64LE(0n, HEADER_SIZE + 4); // cursorID
  buf.writeInt32LE(0, HEADER_SIZE + 12); // startingFrom
  buf.writeInt32LE(1, HEADER_SIZE + 16); // numberReturned
  body.copy(buf, HEADER_SIZE + 20);
  writeHeader(buf, requestId, responseTo, OpCode.Reply);
  return buf;
}

/** Encodes an OP_QUERY command (used by tests to act as a legacy client). */
export function encodeQuery(requestId: number, fullCollectionName: string, command: Doc): Buffer {
  const name = Buffer.from(`${fullCollectionName}\0`, 'utf8');
  const body = serializeDocument(command);
  const buf = Buffer.alloc(HEADER_SIZE + 4 + name.length + 8 + body.length);
  let at = HEADER_SIZE;
  buf.writeInt32LE(0, at);
  at += 4;
  name.copy(buf, at);
  at += name.length;
  buf.writeInt32LE(0, at);
  buf.writeInt32LE(-1, at + 4);
  body.copy(buf, at + 8);
  writeHeader(buf, requestId, 0, OpCode.Query);
  return buf;
}

/** Decodes an OP_REPLY's first document (for tests). */
export function decodeReply(message: Uint8Array): Doc {
  const buf = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  return readDocument(buf, HEADER_SIZE + 20)[0];
}
