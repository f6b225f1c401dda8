/**
 * Open cursors. Results are materialised when a cursor is opened (the
 * emulator's data fits in memory); `getMore` hands them out in batches and
 * `killCursors` forgets them. An exhausted cursor reports id 0.
 *
 * Every batch is cut by count (batchSize, or 101 for a first batch) and by
 * bytes, as MongoDB does: a batch stops before the document that would take
 * it past 16 MiB, so a reply always fits the BSON size limit however large
 * the documents are.
 */
import { calculateObjectSize, Long, type Timestamp } from 'bson';
import type { Doc } from '../bson/bson-types.ts';
import { MAX_BATCH_BYTES } from '../wire/limits.ts';

/** A cursor with documents left to return. */
export interface OpenCursor {
  readonly id: Long;
  readonly namespace: string;
  readonly remaining: Doc[];
  readonly sessionKey: string | undefined;
  /** For a snapshot read outside a transaction: the cluster time every batch reports. */
  atClusterTime?: Timestamp;
}

/** Default size of a first batch, as in MongoDB. */
export const DEFAULT_FIRST_BATCH = 101;

const SIZE_OPTIONS = { ignoreUndefined: true } as const;

/**
 * How many of `docs` (at most `maxCount`) make one batch: documents are
 * added while their encoded size, as array elements of the reply, stays
 * within MAX_BATCH_BYTES. The first document always goes in, so a cursor
 * always makes progress (a single document is itself within the limit).
 */
export function batchLength(docs: readonly Doc[], maxCount: number, maxBytes = MAX_BATCH_BYTES): number {
  const limit = Math.min(maxCount, docs.length);
  let bytes = 0;
  for (let i = 0; i < limit; i++) {
    // An array element costs its type byte and its index key ("12\0") too.
    const element = calculateObjectSize(docs[i] as Doc, SIZE_OPTIONS) + 2 + String(i).length;
    if (i > 0 && bytes + element > maxBytes) return i;
    bytes += element;
  }
  return limit;
}

/** Cursors by id. */
export class CursorRegistry {
  readonly #cursors = new Map<string, OpenCursor>();
  #next = 1n;

  /**
   * Takes the first batch; when documents remain, registers a cursor and
   * returns its id (else Long 0).
   */
  open(namespace: string, docs: Doc[], batchSize: number | undefined, sessionKey: string | undefined): { id: Long; batch: Doc[] } {
    const size = batchLength(docs, batchSize === undefined ? DEFAULT_FIRST_BATCH : batchSize);
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

  /** Takes the next batch (as much as 16 MiB allows when `batchSize` is absent or 0). */
  next(cursor: OpenCursor, batchSize: number | undefined): { id: Long; batch: Doc[] } {
    const count = batchSize === undefined || batchSize <= 0 ? cursor.remaining.length : batchSize;
    const batch = cursor.remaining.splice(0, batchLength(cursor.remaining, count));
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
