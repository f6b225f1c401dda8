/**
 * One client connection: frames the byte stream into messages, runs them
 * one after another (a connection's requests are answered in order), and
 * writes replies. OP_QUERY gets OP_REPLY; OP_MSG gets OP_MSG unless the
 * client set moreToCome. A malformed message closes the connection, as
 * MongoDB does. Nothing a command does can end the connection or the
 * process: a failing command or an unencodable reply becomes an error reply,
 * and anything else unexpected closes just this socket.
 */
import type { Socket } from 'node:net';
import type { Doc } from '../bson/bson-types.ts';
import { runCommand } from '../commands/dispatcher.ts';
import { CommandError, ErrorCode } from '../errors.ts';
import { decodeRequest, type DecodedRequest } from '../wire/message-codec.ts';
import { MessageFramer } from '../wire/message-framer.ts';
import { encodeReplyFor } from './reply-encoder.ts';
import type { ServerState } from './server-state.ts';

let nextResponseId = 1;

/** Serves one socket until it closes. */
export class Connection {
  readonly id: number;
  readonly #socket: Socket;
  readonly #server: ServerState;
  readonly #framer = new MessageFramer();
  #queue: Promise<void> = Promise.resolve();

  constructor(socket: Socket, server: ServerState) {
    this.#socket = socket;
    this.#server = server;
    this.id = server.nextConnectionId();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => socket.destroy());
  }

  /** Closes the socket. */
  close(): void {
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    let messages: Buffer[];
    try {
      messages = this.#framer.push(chunk);
    } catch {
      this.#socket.destroy();
      return;
    }
    for (const message of messages) {
      // A rejection here would stall every later message of this connection
      // and, unhandled, end the process: close this socket instead.
      this.#queue = this.#queue.then(() => this.#handle(message)).catch(() => {
        this.#socket.destroy();
      });
    }
  }

  async #handle(message: Buffer): Promise<void> {
    if (this.#socket.destroyed) return;
    let request: DecodedRequest;
    try {
      request = decodeRequest(message);
    } catch {
      this.#socket.destroy();
      return;
    }
    let reply: Doc;
    try {
      const defaultDb = request.fullCollectionName?.split('.')[0] ?? 'admin';
      reply = await runCommand(this.#server, request.command, defaultDb, this.id);
    } catch (error) {
      reply = new CommandError(ErrorCode.BadValue, error instanceof Error ? error.message : String(error)).toReply();
    }
    if (request.moreToCome || this.#socket.destroyed) return;
    const bytes = encodeReplyFor(this.#server, request, reply, nextResponseId++);
    if (bytes === undefined) {
      this.#socket.destroy();
      return;
    }
    this.#socket.write(bytes);
  }
}
