/**
 * What a command reads: either the latest committed state (outside
 * transactions) or a transaction's snapshot with its own writes on top.
 * A snapshot read outside a transaction reads the committed state as of a
 * cluster time. All give document lookup by `_id` key, a scan, and unique-index lookups
 * where the index can answer for this view.
 */
import type { Doc } from '../bson/bson-types.ts';
import { docAt, latestDoc, type Collection } from '../storage/collection.ts';
import type { IndexDef } from '../storage/index-spec.ts';
import type { Transaction } from './transaction.ts';

/** A consistent read of the data. */
export interface ReadView {
  /** The transaction reading, if any. */
  readonly txn: Transaction | undefined;
  /** The visible document with this `_id` key. */
  get(collection: Collection, idKey: string): Doc | undefined;
  /** All visible documents with their `_id` keys, in natural order. */
  scan(collection: Collection): Iterable<readonly [string, Doc]>;
  /**
   * `_id` keys of documents that may hold this unique key (a superset to be
   * checked against the filter), or undefined when the index cannot answer.
   */
  uniqueCandidates(collection: Collection, def: IndexDef, key: string): string[] | undefined;
}

/** The latest committed state. */
export const committedView: ReadView = {
  txn: undefined,
  get: (collection, idKey) => {
    const chain = collection.chains.get(idKey);
    return chain === undefined ? undefined : latestDoc(chain);
  },
  *scan(collection) {
    for (const [idKey, chain] of collection.chains) {
      const doc = latestDoc(chain);
      if (doc !== undefined) yield [idKey, doc] as const;
    }
  },
  uniqueCandidates: (_collection, def, key) => {
    const owner = def.entries.get(key);
    return owner === undefined ? [] : [owner];
  },
};

/** A transaction's snapshot plus its own writes. */
export function transactionView(txn: Transaction): ReadView {
  return {
    txn,
    get(collection, idKey) {
      const own = txn.written(collection, idKey);
      if (own !== undefined) return own ?? undefined;
      const chain = collection.chains.get(idKey);
      return chain === undefined ? undefined : docAt(chain, txn.snapshot);
    },
    *scan(collection) {
      const own = txn.writes.get(collection);
      for (const [idKey, chain] of collection.chains) {
        const mine = own?.get(idKey);
        const doc = mine !== undefined ? (mine ?? undefined) : docAt(chain, txn.snapshot);
        if (doc !== undefined) yield [idKey, doc] as const;
      }
    },
    uniqueCandidates(collection, def, key) {
      // The committed index shows the latest state; it equals the snapshot
      // only while nobody else has committed to this collection since.
      if (collection.lastCommitTs > txn.snapshot) return undefined;
      const ids = new Set<string>();
      const owner = def.entries.get(key);
      if (owner !== undefined) ids.add(owner);
      for (const idKey of txn.writes.get(collection)?.keys() ?? []) ids.add(idKey);
      return [...ids];
    },
  };
}

/**
 * The committed state as of commit timestamp `ts` (a snapshot read outside
 * a transaction). Exact only while the versions at `ts` are kept, i.e. for
 * `ts` at or after the engine's history floor.
 */
export function snapshotView(ts: number): ReadView {
  return {
    txn: undefined,
    get(collection, idKey) {
      const chain = collection.chains.get(idKey);
      return chain === undefined ? undefined : docAt(chain, ts);
    },
    *scan(collection) {
      for (const [idKey, chain] of collection.chains) {
        const doc = docAt(chain, ts);
        if (doc !== undefined) yield [idKey, doc] as const;
      }
    },
    uniqueCandidates(collection, def, key) {
      if (collection.lastCommitTs > ts) return undefined;
      const owner = def.entries.get(key);
      return owner === undefined ? [] : [owner];
    },
  };
}
