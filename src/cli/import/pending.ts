/**
 * The records sent or about to be sent whose acknowledgement has not come:
 * numbered by stream position, contiguous, oldest first. They are what a
 * resumed stream sends again, and how an acknowledgement's rejections are
 * traced back to file lines.
 */
import type { IdentifyUserRequest } from '../../gen/herald/users/v1/users_service.js';

/** One record between reading and acknowledgement. */
export interface PendingRecord {
  readonly position: number;
  /** The line of the input file it came from. */
  readonly line: number;
  readonly request: IdentifyUserRequest;
  /** Its encoded size, to keep stream messages under the service's limit. */
  readonly bytes: number;
}

/** A queue of pending records indexed by position. */
export class PendingRecords {
  #items: PendingRecord[] = [];
  #head = 0;
  /** Position of the oldest record held (or of the next one, when empty). */
  #first = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  /** The position of the next record to be added. */
  get end(): number {
    return this.#first + this.size;
  }

  /** Adds the next record; its position must be `end`. */
  push(record: PendingRecord): void {
    if (record.position !== this.end) throw new Error(`record at position ${record.position} pushed where ${this.end} was expected`);
    this.#items.push(record);
  }

  /** The record at `position`, when still held. */
  get(position: number): PendingRecord | undefined {
    if (position < this.#first || position >= this.end) return undefined;
    return this.#items[this.#head + position - this.#first];
  }

  /** Drops every record before `position` (they are acknowledged). */
  releaseBefore(position: number): void {
    const drop = Math.min(Math.max(0, position - this.#first), this.size);
    this.#head += drop;
    this.#first += drop;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
