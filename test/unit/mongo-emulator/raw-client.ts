/**
 * A bare wire-protocol client for tests that need to see raw replies (their
 * bytes, or what happens after a reply fails): it sends OP_MSG commands over
 * one socket to an in-process emulator and decodes each reply's body.
 */
import { connect, type Socket } from 'node:net';
import { deserialize } from 'bson';
import { startEmulator, type RunningEmulator } from '../../../src/mongo-emulator/index.ts';
import { encodeMsg, OpCode, readHeader } from '../../../src/mongo-emulator/wire/message-codec.ts';
import { MessageFramer } from '../../../src/mongo-emulator/wire/message-framer.ts';

export type Doc = Record<string, unknown>;

/** A reply: its body and the size of the whole wire message. */
export interface RawReply {
  readonly body: Doc;
  readonly messageBytes: number;
}

/**
 * The body of an emulator reply: an OP_MSG with flags, then one kind-0
 * section and no checksum. Longs stay Longs so cursor ids go back intact.
 */
function replyBody(message: Buffer): Doc {
  if (readHeader(message).opCode !== OpCode.Msg || message.readUInt8(20) !== 0) throw new Error('expected an OP_MSG reply');
  return deserialize(message.subarray(21), { promoteLongs: false });
}

/** One connection; commands are answered in order. */
export class RawClient {
  readonly #socket: Socket;
  readonly #framer = new MessageFramer();
  readonly #waiting: Array<{ resolve: (reply: RawReply) => void; reject: (error: Error) => void }> = [];
  #requestId = 1;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      for (const message of this.#framer.push(chunk)) {
        this.#waiting.shift()?.resolve({ body: replyBody(message), messageBytes: message.length });
      }
    });
    socket.on('close', () => {
      for (const waiter of this.#waiting.splice(0)) waiter.reject(new Error('connection closed before the reply'));
    });
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  /**
   * Sends `command` to database `db` and resolves with its reply; rejects
   * if none comes within `timeoutMs` (a server that lost the command).
   */
  command(command: Doc, db = 't', timeoutMs = 10_000): Promise<RawReply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs);
      const settle = <T>(fn: (value: T) => void) => (value: T): void => {
        clearTimeout(timer);
        fn(value);
      };
      this.#waiting.push({ resolve: settle(resolve), reject: settle(reject) });
      this.#socket.write(encodeMsg(this.#requestId++, 0, { ...command, $db: db }));
    });
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** A fresh emulator and a raw client on it; `close()` ends both. */
export async function rawEmulator(): Promise<{ emulator: RunningEmulator; client: RawClient; close(): Promise<void> }> {
  const emulator = await startEmulator();
  const client = await RawClient.connect(emulator.port);
  return {
    emulator,
    client,
    async close() {
      client.close();
      await emulator.close();
    },
  };
}
