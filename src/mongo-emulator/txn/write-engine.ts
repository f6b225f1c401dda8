/**
 * Applies writes. A write statement first computes its changes (new
 * versions of documents), then hands them here:
 *
 * - outside a transaction they commit at once with a new timestamp, unless a
 *   document or unique key is held by an open transaction, in which case the
 *   statement must wait for that transaction to end (MongoDB: "In-progress
 *   Transactions and Write Conflicts") and is run again;
 * - inside a transaction they go to its write set after the first-writer-wins
 *   checks: a document locked by another open transaction, or committed by
 *   someone else after the snapshot, is a WriteConflict (112).
 *
 * Unique indexes are checked against the writer's view and again at commit.
 * Versions that no open transaction (nor a pinned snapshot read) can see any
 * more are dropped.
 */
import type { Doc } from '../bson/bson-types.ts';
import { CommandError, ErrorCode, ErrorLabel } from '../errors.ts';
import { latestDoc, latestTs, pruneChain, type Collection, type LockOwner, type VersionChain } from '../storage/collection.ts';
import type { IndexDef } from '../storage/index-spec.ts';
import { duplicateKeyError, indexKeysOf } from '../storage/unique-index.ts';
import { wallClockTime } from './cluster-time.ts';
import { SnapshotPins } from './snapshot-pins.ts';
import type { Transaction } from './transaction.ts';

/** One document's new state: a document, or null to delete it. */
export interface Change {
  readonly collection: Collection;
  readonly idKey: string;
  readonly after: Doc | null;
}

/** Thrown when a write outside a transaction must wait for a transaction to end. */
export class BlockedByTransaction extends Error {
  readonly owner: LockOwner;
  constructor(owner: LockOwner) {
    super('write waits for an open transaction');
    this.owner = owner;
  }
}

/** The WriteConflict error a transaction gets; the driver retries on its label. */
export function writeConflict(): CommandError {
  return new CommandError(
    ErrorCode.WriteConflict,
    'Write conflict during plan execution and yielding is disabled. :: Please retry your operation or multi-document transaction.',
    { labels: [ErrorLabel.TransientTransactionError] },
  );
}

/** The storage clock (the cluster time) and the set of open transactions. */
export class WriteEngine {
  /** Called for a collection whose creating transaction aborted. */
  readonly #onAbandoned: (collection: Collection) => void;
  #clock = wallClockTime() - 1;
  /** Reads at or after this time see exactly what was committed then (older versions may be pruned). */
  #historyFloor = this.#clock;
  readonly #open = new Set<Transaction>();
  /** Chains holding versions kept only for open transactions' snapshots. */
  readonly #retained = new Map<VersionChain, Collection>();
  readonly #pins = new SnapshotPins();

  constructor(onAbandoned: (collection: Collection) => void = () => {}) {
    this.#onAbandoned = onAbandoned;
  }

  /** The latest commit timestamp (the snapshot a new transaction reads at), an encoded cluster time. */
  get clock(): number {
    return this.#clock;
  }

  /** The oldest time a snapshot read can be served at exactly. */
  get historyFloor(): number {
    return this.#historyFloor;
  }

  /** The next commit timestamp: one past the last, and never behind the wall clock's second. */
  #tick(): number {
    this.#clock = Math.max(this.#clock + 1, wallClockTime());
    return this.#clock;
  }

  #prune(chain: VersionChain, oldest: number): void {
    pruneChain(chain, oldest);
    this.#historyFloor = Math.max(this.#historyFloor, Math.min(oldest, this.#clock));
  }

  /** Registers a new transaction as open. */
  open(txn: Transaction): void {
    this.#open.add(txn);
  }

  /** Open transactions, oldest first. */
  openTransactions(): Transaction[] {
    return [...this.#open];
  }

  /** Keeps the state at `ts` readable for the snapshot history window (see SnapshotPins). */
  pinSnapshot(ts: number, now = Date.now()): void {
    this.#pins.pin(ts, now);
  }

  /** Forgets expired pins and drops the versions only they kept. */
  sweepPins(now = Date.now()): void {
    this.#pins.expire(now);
    this.#pruneRetained();
  }

  #oldestSnapshot(): number {
    let oldest = this.#pins.oldest();
    for (const txn of this.#open) oldest = Math.min(oldest, txn.snapshot);
    return oldest;
  }

  #pruneRetained(): void {
    const oldest = this.#oldestSnapshot();
    for (const [chain, collection] of this.#retained) {
      this.#prune(chain, oldest);
      if (chain.versions.length <= 1) {
        this.#retained.delete(chain);
        this.#dropIfEmpty(collection, chain.idKey);
      }
    }
  }

  /** Commits changes outside any transaction, or throws (BlockedByTransaction / 11000). */
  applyNow(changes: readonly Change[]): void {
    for (const change of changes) {
      const owner = change.collection.chains.get(change.idKey)?.lockedBy;
      if (owner) throw new BlockedByTransaction(owner);
    }
    this.#checkUnique(changes, undefined);
    const ts = this.#tick();
    for (const change of changes) this.#writeVersion(change, ts);
  }

  /** Adds changes to a transaction's write set, or throws (112 / 11000). */
  stage(txn: Transaction, changes: readonly Change[]): void {
    for (const change of changes) {
      const chain = change.collection.chains.get(change.idKey);
      const creator = change.collection.createdBy;
      if (creator !== null && creator !== txn) throw writeConflict();
      if (chain === undefined) continue;
      if (chain.lockedBy !== null && chain.lockedBy !== txn) throw writeConflict();
      if (latestTs(chain) > txn.snapshot) throw writeConflict();
    }
    this.#checkUnique(changes, txn);
    for (const change of changes) {
      const chain = change.collection.chain(change.idKey, true);
      if (chain.lockedBy !== txn) {
        chain.lockedBy = txn;
        txn.locks.push(chain);
      }
      const previous = txn.written(change.collection, change.idKey) ?? latestDoc(chain) ?? null;
      this.#trackOwnKeys(txn, change, previous);
      txn.recordWrite(change.collection, change.idKey, change.after);
    }
  }

  /** Commits a transaction's write set atomically with one timestamp. */
  commit(txn: Transaction): void {
    const changes: Change[] = [];
    for (const [collection, writes] of txn.writes) {
      for (const [idKey, after] of writes) changes.push({ collection, idKey, after });
    }
    try {
      this.#checkUnique(changes, undefined, txn);
    } catch (error) {
      this.end(txn, 'aborted');
      throw error;
    }
    const ts = this.#tick();
    for (const change of changes) this.#writeVersion(change, ts);
    this.end(txn, 'committed');
  }

  /** Ends a transaction (after commit, or to discard it) and releases what it holds. */
  end(txn: Transaction, state: 'committed' | 'aborted'): void {
    if (txn.state !== 'active') return;
    for (const chain of txn.locks) {
      if (chain.lockedBy === txn) chain.lockedBy = null;
    }
    for (const [collection, writes] of txn.writes) {
      for (const idKey of writes.keys()) this.#dropIfEmpty(collection, idKey);
    }
    for (const { def, key } of txn.claims) {
      if (def.pending.get(key) === txn) def.pending.delete(key);
    }
    for (const collection of txn.createdCollections) {
      if (collection.createdBy !== txn) continue;
      collection.createdBy = null;
      if (state === 'aborted') this.#onAbandoned(collection);
    }
    this.#open.delete(txn);
    txn.finish(state);
    this.#pruneRetained();
  }

  #dropIfEmpty(collection: Collection, idKey: string): void {
    const chain = collection.chains.get(idKey);
    if (chain === undefined || chain.lockedBy !== null) return;
    const last = chain.versions[chain.versions.length - 1];
    if (last === undefined || (last.doc === null && chain.versions.length === 1)) collection.chains.delete(idKey);
  }

  #writeVersion(change: Change, ts: number): void {
    const { collection, idKey, after } = change;
    const chain = collection.chain(idKey, true);
    const before = latestDoc(chain);
    for (const def of collection.secondaryUniqueIndexes()) {
      if (before !== undefined) {
        for (const { key } of indexKeysOf(def, before)) if (def.entries.get(key) === idKey) def.entries.delete(key);
      }
      if (after !== null) for (const { key } of indexKeysOf(def, after)) def.entries.set(key, idKey);
    }
    collection.liveCount += (after === null ? 0 : 1) - (before === undefined ? 0 : 1);
    collection.createdBy = null;
    chain.versions.push({ ts, doc: after });
    collection.lastCommitTs = ts;
    this.#prune(chain, this.#oldestSnapshot());
    if (chain.versions.length > 1) this.#retained.set(chain, collection);
    else this.#dropIfEmpty(collection, idKey);
  }

  #trackOwnKeys(txn: Transaction, change: Change, previous: Doc | null): void {
    for (const def of change.collection.secondaryUniqueIndexes()) {
      let own = txn.ownKeys.get(def);
      if (own === undefined) {
        own = new Map();
        txn.ownKeys.set(def, own);
      }
      if (previous !== null) {
        for (const { key } of indexKeysOf(def, previous)) if (own.get(key) === change.idKey) own.delete(key);
      }
      if (change.after === null) continue;
      for (const { key } of indexKeysOf(def, change.after)) {
        own.set(key, change.idKey);
        if (!def.pending.has(key)) {
          def.pending.set(key, txn);
          txn.claims.push({ def, key });
        }
      }
    }
  }

  /**
   * Checks the unique indexes for a set of changes. `txn` is the staging
   * transaction (its view and write-conflict rules apply); `committing` is a
   * transaction whose own writes are being committed.
   */
  #checkUnique(changes: readonly Change[], txn: Transaction | undefined, committing?: Transaction): void {
    const changed = new Set(changes.map((c) => `${c.collection.namespace}\0${c.idKey}`));
    const claimed = new Map<string, string>();
    for (const change of changes) {
      if (change.after === null) continue;
      const { collection, idKey } = change;
      for (const def of collection.secondaryUniqueIndexes()) {
        for (const indexKey of indexKeysOf(def, change.after)) {
          const key = indexKey.key;
          const local = `${collection.namespace}\0${def.name}\0${key}`;
          const other = claimed.get(local);
          if (other !== undefined && other !== idKey) throw duplicateKeyError(collection.namespace, def, indexKey);
          claimed.set(local, idKey);
          this.#checkKey(def, key, change, txn ?? committing, txn !== undefined, changed, () =>
            duplicateKeyError(collection.namespace, def, indexKey),
          );
        }
      }
    }
  }

  #checkKey(
    def: IndexDef,
    key: string,
    change: Change,
    txn: Transaction | undefined,
    staging: boolean,
    changed: ReadonlySet<string>,
    duplicate: () => CommandError,
  ): void {
    const { collection, idKey } = change;
    const isChanged = (other: string): boolean => changed.has(`${collection.namespace}\0${other}`);
    const pendingOwner = def.pending.get(key);
    if (pendingOwner !== undefined && pendingOwner !== txn) {
      if (!staging) throw new BlockedByTransaction(pendingOwner);
      throw writeConflict();
    }
    if (txn !== undefined) {
      const own = txn.ownKeys.get(def)?.get(key);
      if (own !== undefined && own !== idKey && !isChanged(own)) throw duplicate();
    }
    const owner = def.entries.get(key);
    if (owner === undefined || owner === idKey || isChanged(owner)) return;
    if (txn !== undefined && txn.written(collection, owner) !== undefined) return;
    if (staging && txn !== undefined) {
      const ownerChain = collection.chains.get(owner);
      if (ownerChain !== undefined && latestTs(ownerChain) > txn.snapshot) throw writeConflict();
    }
    throw duplicate();
  }
}
