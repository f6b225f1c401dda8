/**
 * A multi-document transaction: a snapshot timestamp plus a private write
 * set. Reads see the committed state as of the snapshot overlaid with the
 * transaction's own writes; nothing it writes is visible to others until
 * commit. The documents it writes stay locked (one writer at a time) and the
 * unique keys it writes stay claimed until it ends.
 */
import type { Doc } from '../bson/bson-types.ts';
import type { Collection, LockOwner, VersionChain } from '../storage/collection.ts';
import type { IndexDef } from '../storage/index-spec.ts';

/** Where a transaction is in its life. */
export type TransactionState = 'active' | 'committed' | 'aborted';

let nextTransactionId = 1;

/** One transaction of one session (`lsid` + `txnNumber`). */
export class Transaction implements LockOwner {
  readonly id = nextTransactionId++;
  readonly sessionKey: string;
  readonly txnNumber: number;
  /** Commit timestamp the transaction reads at. */
  readonly snapshot: number;
  /** Wall-clock start, for `transactionLifetimeLimitSeconds`. */
  readonly startedAt = Date.now();
  state: TransactionState = 'active';
  /** Why the server aborted it, reported to later commands. */
  abortReason = '';
  /** Written documents per collection: `_id` key → new document, or null for a delete. */
  readonly writes = new Map<Collection, Map<string, Doc | null>>();
  /** Chains this transaction locked. */
  readonly locks: VersionChain[] = [];
  /** Unique keys claimed in indexes (released at the end). */
  readonly claims: Array<{ readonly def: IndexDef; readonly key: string }> = [];
  /** Per index: the unique keys of the transaction's own written documents → `_id` key. */
  readonly ownKeys = new Map<IndexDef, Map<string, string>>();
  /** Collections its writes created (they exist for others only once it commits). */
  readonly createdCollections: Collection[] = [];
  readonly ended: Promise<void>;
  #resolveEnded: () => void = () => {};

  constructor(sessionKey: string, txnNumber: number, snapshot: number) {
    this.sessionKey = sessionKey;
    this.txnNumber = txnNumber;
    this.snapshot = snapshot;
    this.ended = new Promise((resolve) => {
      this.#resolveEnded = resolve;
    });
  }

  /** The transaction's own version of a document: a doc, null (deleted) or undefined (not written). */
  written(collection: Collection, idKey: string): Doc | null | undefined {
    return this.writes.get(collection)?.get(idKey);
  }

  /** Records a write in the write set. */
  recordWrite(collection: Collection, idKey: string, doc: Doc | null): void {
    let perCollection = this.writes.get(collection);
    if (perCollection === undefined) {
      perCollection = new Map();
      this.writes.set(collection, perCollection);
    }
    perCollection.set(idKey, doc);
  }

  /** Marks the transaction finished and wakes writers waiting on it. */
  finish(state: 'committed' | 'aborted'): void {
    this.state = state;
    this.#resolveEnded();
  }
}
