/**
 * Cuts a TCP byte stream into whole wire messages using the length prefix
 * of each message header.
 */
import { MAX_MESSAGE_SIZE } from './limits.ts';

/** Accumulates chunks and yields each complete message once. */
export class MessageFramer {
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  /** Adds a chunk and returns the messages it completed. */
  push(chunk: Buffer): Buffer[] {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    const messages: Buffer[] = [];
    while (this.#pendingBytes >= 4) {
      if ((this.#pending[0] as Buffer).length < 4) this.#pending = [Buffer.concat(this.#pending)];
      const size = (this.#pending[0] as Buffer).readInt32LE(0);
      if (size < 16 || size > MAX_MESSAGE_SIZE) throw new Error(`invalid wire message length ${size}`);
      // Wait for the whole message before copying anything.
      if (this.#pendingBytes < size) break;
      const all = this.#pending.length === 1 ? (this.#pending[0] as Buffer) : Buffer.concat(this.#pending);
      messages.push(all.subarray(0, size));
      const rest = all.subarray(size);
      this.#pending = rest.length > 0 ? [rest] : [];
      this.#pendingBytes = rest.length;
    }
    return messages;
  }
}
