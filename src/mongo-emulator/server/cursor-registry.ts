/**
 * Open cursors. Results are materialised when a cursor is opened (the
 * emulator's data fits in memory); `getMore` hands them out in batches and
 * `killCursors` forgets them. An exhausted cursor reports id 0.
 */
import { Long } from 'bson';
import type { Doc } from '../bson/bson-types.ts';

/** A cursor with documents left to return. */
export interface OpenCursor {
  readonly id: Long;
  readonly namespace: string;
  readonly remaining: Doc[];
  readonly sessionKey: string | undefined;
}

/** Default size of a first batch, as in MongoDB. */
export const DEFAULT_FIRST_BATCH = 101;

/** Cursors by id. */
export class CursorRegistry {
  readonly #cursors = new Map<string, OpenCursor>();
  #next = 1n;

  /**
   * Takes the first batch; when documents remain, registers a cursor and
   * returns its id (else Long 0).
   */
  open(namespace: string, docs: Doc[], batchSize: number | undefined, sessionKey: string | undefined): { id: Long; batch: Doc[] } {
    const size = batchSize === undefined ? DEFAULT_FIRST_BATCH : batchSize;
    const batch = docs.slice(0, size);
    const remaining = docs.slice(size);
    if (remaining.length === 0) return { id: Long.ZERO, batch };
    const id = Long.fromBigInt((BigInt(Date.now()) << 12n) + this.#next++);
    this.#cursors.set(id.toString(), { id, namespace, remaining, sessionKey });
    return { id, batch };
  }

  get(id: Long | number): OpenCursor | undefined {
    return this.#cursors.get(String(id));
  }

  /** Takes the next batch (all remaining when `batchSize` is absent or 0). */
  next(cursor: OpenCursor, batchSize: number | undefined): { id: Long; batch: Doc[] } {
    const size = batchSize === undefined || batchSize <= 0 ? cursor.remaining.length : batchSize;
    const batch = cursor.remaining.splice(0, size);
    if (cursor.remaining.length > 0) return { id: cursor.id, batch };
    this.#cursors.delete(cursor.id.toString());
    return { id: Long.ZERO, batch };
  }

  kill(id: Long | number): boolean {
    return this.#cursors.delete(String(id));
  }

  clear(): void {
    this.#cursors.clear();
  }
}
