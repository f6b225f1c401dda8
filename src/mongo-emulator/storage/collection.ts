/**
 * A collection's storage: every document as a chain of committed versions
 * (MVCC), keyed by the canonical key of its `_id`, plus its index
 * definitions. A chain also records which open transaction holds an
 * uncommitted write on the document (its write lock).
 */
import type { Doc } from '../bson/bson-types.ts';
import { idIndexDef, type IndexDef } from './index-spec.ts';

/** One committed state of a document; `doc` null marks a deletion. */
export interface Version {
  readonly ts: number;
  readonly doc: Doc | null;
}

/** The owner of an uncommitted write (a transaction), as storage sees it. */
export interface LockOwner {
  readonly id: number;
  /** Settles when the owner commits or aborts; blocked writers wait on it. */
  readonly ended: Promise<void>;
}

/** All committed versions of one `_id`, oldest first. */
export interface VersionChain {
  readonly idKey: string;
  versions: Version[];
  lockedBy: LockOwner | null;
}

/** The newest committed version's document, if the document exists now. */
export function latestDoc(chain: VersionChain): Doc | undefined {
  const last = chain.versions[chain.versions.length - 1];
  return last?.doc ?? undefined;
}

/** Timestamp of the newest committed version (0 when none). */
export function latestTs(chain: VersionChain): number {
  return chain.versions[chain.versions.length - 1]?.ts ?? 0;
}

/** The document as of a timestamp, if it existed then. */
export function docAt(chain: VersionChain, ts: number): Doc | undefined {
  for (let i = chain.versions.length - 1; i >= 0; i--) {
    const version = chain.versions[i] as Version;
    if (version.ts <= ts) return version.doc ?? undefined;
  }
  return undefined;
}

/**
 * Drops versions no reader can see any more: everything older than the
 * newest version at or before `oldestSnapshot`.
 */
export function pruneChain(chain: VersionChain, oldestSnapshot: number): void {
  let keepFrom = 0;
  for (let i = chain.versions.length - 1; i >= 0; i--) {
    if ((chain.versions[i] as Version).ts <= oldestSnapshot) {
      keepFrom = i;
      break;
    }
  }
  if (keepFrom > 0) chain.versions = chain.versions.slice(keepFrom);
}

/** One collection of one database. */
export class Collection {
  readonly db: string;
  readonly name: string;
  readonly chains = new Map<string, VersionChain>();
  readonly indexes = new Map<string, IndexDef>();
  /** Timestamp of the last committed write, for snapshot-aware index use. */
  lastCommitTs = 0;
  /** Number of live documents in the latest committed state. */
  liveCount = 0;
  /**
   * The open transaction whose write created this collection, until it
   * commits (or anything commits a document here): others do not see the
   * collection in the catalogue before then, and it goes if that transaction aborts.
   */
  createdBy: LockOwner | null = null;

  constructor(db: string, name: string) {
    this.db = db;
    this.name = name;
    const id = idIndexDef();
    this.indexes.set(id.name, id);
  }

  get namespace(): string {
    return `${this.db}.${this.name}`;
  }

  /** The chain for an `_id` key, created empty when `create` is set. */
  chain(idKey: string, create: true): VersionChain;
  chain(idKey: string, create?: false): VersionChain | undefined;
  chain(idKey: string, create = false): VersionChain | undefined {
    let chain = this.chains.get(idKey);
    if (chain === undefined && create) {
      chain = { idKey, versions: [], lockedBy: null };
      this.chains.set(idKey, chain);
    }
    return chain;
  }

  /** Unique indexes other than `_id_` (whose uniqueness the chain map gives). */
  secondaryUniqueIndexes(): IndexDef[] {
    return [...this.indexes.values()].filter((def) => def.unique && def.name !== '_id_');
  }
}
