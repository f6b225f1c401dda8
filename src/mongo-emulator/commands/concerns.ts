/**
 * readConcern and writeConcern as the primary of a one-node replica set
 * applies them.
 *
 * - `afterClusterTime`: every committed write is visible at once on one
 *   node, so a read waits for nothing; a time later than the current
 *   cluster time is 72 InvalidOptions, as MongoDB answers.
 * - `level: 'snapshot'` outside a transaction: only find, aggregate and
 *   distinct take it; writes, count, listCollections and the other
 *   commands refuse it with 72 InvalidOptions, as MongoDB's
 *   read_concern_snapshot jstests show. Find, aggregate and distinct read the
 *   committed state at `atClusterTime` (default: now) and report that time,
 *   which stays readable for MongoDB's 300 s history window. Other times
 *   are not kept (the store keeps old versions only for open transactions
 *   and such reads), so a time older than what it kept is refused with 238
 *   NotImplemented rather than answered from the wrong state.
 * - `writeConcern`: `w` above 1 cannot be met by one node (writeConcernError
 *   100 UnsatisfiableWriteConcern), a tag names no mode (79
 *   UnknownReplWriteConcern); the write itself is applied, as in MongoDB.
 */
import { Timestamp } from 'bson';
import { isNumeric, isPlainDoc, toNumber, type Doc } from '../bson/bson-types.ts';
import { CommandError, ErrorCode, notImplemented } from '../errors.ts';
import type { ServerState } from '../server/server-state.ts';
import { asTimestamp, decodeClusterTime, encodeClusterTime } from '../txn/cluster-time.ts';
import { committedView, snapshotView, transactionView, type ReadView } from '../txn/read-view.ts';
import type { Transaction } from '../txn/transaction.ts';

/** Reads that accept read concern "snapshot" outside transactions (MongoDB 5.0+). */
const SNAPSHOT_READS = new Set(['find', 'aggregate', 'distinct']);
/** Commands that take a write concern. */
const WRITE_CONCERN_COMMANDS = new Set([
  'insert', 'update', 'delete', 'findAndModify', 'create', 'drop', 'dropDatabase', 'createIndexes', 'dropIndexes', 'commitTransaction', 'abortTransaction',
]);

/** What a command reads and, for a snapshot read, at which cluster time. */
export interface ReadPlan {
  readonly view: ReadView;
  readonly snapshotAt: number | undefined;
}

function show(ts: Timestamp): string {
  return `Timestamp(${ts.t}, ${ts.i})`;
}

function notAfterNow(server: ServerState, ts: Timestamp, name: string): number {
  const value = encodeClusterTime(ts);
  if (value > server.engine.clock) {
    throw new CommandError(
      ErrorCode.InvalidOptions,
      `readConcern ${name} value must not be greater than the current clusterTime. Requested clusterTime: ${show(ts)}; current clusterTime: ${show(decodeClusterTime(server.engine.clock))}`,
    );
  }
  return value;
}

/** The view a command reads through, after checking its readConcern. */
export function resolveReadConcern(server: ServerState, name: string, command: Doc, txn: Transaction | undefined): ReadPlan {
  const defaultPlan: ReadPlan = { view: txn === undefined ? committedView : transactionView(txn), snapshotAt: undefined };
  const readConcern = command['readConcern'];
  if (readConcern === undefined || readConcern === null) return defaultPlan;
  if (!isPlainDoc(readConcern)) throw new CommandError(ErrorCode.TypeMismatch, "BSON field 'readConcern' is the wrong type, expected type 'object'");
  const after = asTimestamp(readConcern['afterClusterTime']);
  const at = asTimestamp(readConcern['atClusterTime']);
  const snapshot = readConcern['level'] === 'snapshot';
  if (after !== undefined) notAfterNow(server, after, 'afterClusterTime');
  if (at !== undefined && !snapshot) {
    throw new CommandError(ErrorCode.InvalidOptions, 'readConcern atClusterTime is only compatible with level snapshot');
  }
  if (txn !== undefined) {
    if (at !== undefined) throw notImplemented('readConcern atClusterTime in a transaction');
    return defaultPlan;
  }
  if (!snapshot) return defaultPlan;
  if (!SNAPSHOT_READS.has(name)) {
    throw new CommandError(ErrorCode.InvalidOptions, `Command ${name} does not support readConcern level snapshot outside multi-document transactions`);
  }
  const ts = at === undefined ? server.engine.clock : notAfterNow(server, at, 'atClusterTime');
  if (ts < server.engine.historyFloor) {
    const floor = show(decodeClusterTime(server.engine.historyFloor));
    throw notImplemented(`readConcern atClusterTime ${show(at as Timestamp)} (older than ${floor}, the oldest state the emulator keeps: it has no snapshot history window)`);
  }
  server.engine.pinSnapshot(ts);
  return { view: snapshotView(ts), snapshotAt: ts };
}

/** The writeConcernError a successful reply carries, if the write concern cannot be met. */
export function writeConcernError(name: string, command: Doc): Doc | undefined {
  const writeConcern = command['writeConcern'];
  if (!WRITE_CONCERN_COMMANDS.has(name) || !isPlainDoc(writeConcern)) return undefined;
  const w = writeConcern['w'];
  if (isNumeric(w) && (toNumber(w) ?? 0) > 1) {
    return {
      code: ErrorCode.UnsatisfiableWriteConcern,
      codeName: 'UnsatisfiableWriteConcern',
      errmsg: 'Not enough data-bearing nodes',
      errInfo: { writeConcern: { w, wtimeout: writeConcern['wtimeout'] ?? 0, provenance: 'clientSupplied' } },
    };
  }
  if (typeof w === 'string' && w !== 'majority') {
    return {
      code: ErrorCode.UnknownReplWriteConcern,
      codeName: 'UnknownReplWriteConcern',
      errmsg: `No write concern mode named '${w}' found in replica set configuration`,
    };
  }
  return undefined;
}
