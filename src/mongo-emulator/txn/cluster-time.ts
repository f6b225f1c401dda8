/**
 * The cluster time: MongoDB's logical clock, a BSON Timestamp (seconds,
 * increment) that advances with every write and that replica-set members
 * return in every reply (`operationTime`, `$clusterTime`). The storage
 * engine's commit timestamps are cluster times encoded as one JS number,
 * `seconds * 2^21 + increment`, which stays exact below 2^53 and keeps the
 * order of the Timestamps (an increment past 2^21 - 1 moves to the next
 * second, as a clock that runs ahead of the wall clock may).
 */
import { Binary, Long, Timestamp } from 'bson';
import { bsonTypeOf } from '../bson/bson-types.ts';

const INCREMENTS = 2 ** 21;

/** The encoded cluster time of a Timestamp. */
export function encodeClusterTime(ts: Timestamp): number {
  return ts.t * INCREMENTS + Math.min(ts.i, INCREMENTS - 1);
}

/** The Timestamp of an encoded cluster time. */
export function decodeClusterTime(value: number): Timestamp {
  return new Timestamp({ t: Math.floor(value / INCREMENTS), i: value % INCREMENTS });
}

/** The first encoded cluster time of the current wall-clock second. */
export function wallClockTime(now = Date.now()): number {
  return Math.floor(now / 1000) * INCREMENTS + 1;
}

/** The value a Timestamp-typed argument holds, or undefined when it is not a Timestamp. */
export function asTimestamp(value: unknown): Timestamp | undefined {
  return bsonTypeOf(value) === 'Timestamp' ? (value as Timestamp) : undefined;
}

const ZERO_HASH = new Binary(Buffer.alloc(20), 0);

/**
 * The `$clusterTime` document of a reply: MongoDB signs it with a key of the
 * cluster; a server without authentication sends a zero hash and key id 0.
 */
export function clusterTimeDoc(value: number): Record<string, unknown> {
  return { clusterTime: decodeClusterTime(value), signature: { hash: ZERO_HASH, keyId: Long.fromNumber(0) } };
}
