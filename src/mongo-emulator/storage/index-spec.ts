/**
 * Index definitions: validation of `createIndexes` specs, MongoDB's default
 * index names (`email_1`, `a_1_b_-1`), and the comparison that decides
 * whether a second `createIndexes` with the same name is a no-op (identical
 * spec) or a conflict (codes 85 IndexOptionsConflict / 86
 * IndexKeySpecsConflict).
 */
import { Query } from 'mingo/query';
import { canonicalKey } from '../bson/canonical-key.ts';
import { isPlainDoc, type Doc } from '../bson/bson-types.ts';
import { CommandError, ErrorCode, notImplemented } from '../errors.ts';
import { mingoOptions } from '../query/mingo-context.ts';

import type { LockOwner } from './collection.ts';

/** One index of a collection. */
export interface IndexDef {
  readonly name: string;
  readonly key: Readonly<Record<string, unknown>>;
  readonly fields: readonly string[];
  readonly unique: boolean;
  readonly sparse: boolean;
  readonly partialFilterExpression: Doc | undefined;
  /** Compiled partial filter; documents it rejects are not indexed. */
  readonly partialFilter: Query | undefined;
  /** The spec as listIndexes returns it (`v`, `key`, `name`, options). */
  readonly spec: Doc;
  /** For unique indexes: committed key → canonical `_id` key of its document. */
  readonly entries: Map<string, string>;
  /** For unique indexes: keys written by open transactions, not yet committed. */
  readonly pending: Map<string, LockOwner>;
}

const ALLOWED_OPTIONS = new Set(['key', 'name', 'unique', 'sparse', 'partialFilterExpression', 'v', 'background']);

/** MongoDB's default index name: each field and direction joined by `_`. */
export function defaultIndexName(key: Readonly<Record<string, unknown>>): string {
  return Object.entries(key)
    .map(([field, direction]) => `${field}_${String(direction)}`)
    .join('_');
}

/** Builds an IndexDef from a createIndexes spec, rejecting what is not supported. */
export function buildIndexDef(raw: unknown): IndexDef {
  if (!isPlainDoc(raw)) throw new CommandError(ErrorCode.TypeMismatch, 'index specification must be an object');
  const key = raw['key'];
  if (!isPlainDoc(key) || Object.keys(key).length === 0) {
    throw new CommandError(ErrorCode.FailedToParse, 'The index spec must have a non-empty key document');
  }
  for (const [field, direction] of Object.entries(key)) {
    if (typeof direction === 'string') throw notImplemented(`index type "${direction}" on field "${field}"`);
    if (direction !== 1 && direction !== -1) {
      throw new CommandError(ErrorCode.BadValue, `Values in the index key pattern can only be 1 or -1, got ${String(direction)} for ${field}`);
    }
  }
  for (const option of Object.keys(raw)) {
    if (!ALLOWED_OPTIONS.has(option)) throw notImplemented(`index option "${option}"`);
  }
  const name = raw['name'] === undefined ? defaultIndexName(key) : raw['name'];
  if (typeof name !== 'string' || name === '') throw new CommandError(ErrorCode.TypeMismatch, 'index name must be a non-empty string');
  const unique = raw['unique'] === true;
  const sparse = raw['sparse'] === true;
  const partial = raw['partialFilterExpression'];
  if (partial !== undefined && !isPlainDoc(partial)) {
    throw new CommandError(ErrorCode.TypeMismatch, 'partialFilterExpression must be an object');
  }
  if (partial !== undefined && sparse) {
    throw new CommandError(ErrorCode.BadValue, 'cannot mix "partialFilterExpression" and "sparse" options');
  }
  const spec: Doc = { v: 2, key: { ...key }, name };
  if (unique && name !== '_id_') spec['unique'] = true;
  if (sparse) spec['sparse'] = true;
  if (partial !== undefined) spec['partialFilterExpression'] = partial;
  return {
    name,
    key: { ...key },
    fields: Object.keys(key),
    unique: unique || name === '_id_',
    sparse,
    partialFilterExpression: partial,
    partialFilter: partial === undefined ? undefined : new Query(partial, mingoOptions()),
    spec,
    entries: new Map(),
    pending: new Map(),
  };
}

/** The `_id_` index every collection has. */
export function idIndexDef(): IndexDef {
  return buildIndexDef({ key: { _id: 1 }, name: '_id_', unique: true });
}

function optionsKey(def: IndexDef): string {
  return canonicalKey({ unique: def.unique, sparse: def.sparse, partial: def.partialFilterExpression ?? null });
}

/**
 * Whether a new spec may be created next to the existing indexes: `'exists'`
 * for an identical index (createIndexes is then a no-op), `'create'`
 * otherwise; throws MongoDB's conflict errors.
 */
export function checkAgainstExisting(existing: Iterable<IndexDef>, candidate: IndexDef): 'exists' | 'create' {
  const candidateKey = canonicalKey(candidate.key);
  for (const def of existing) {
    const sameKey = canonicalKey(def.key) === candidateKey;
    if (def.name === candidate.name) {
      if (sameKey && optionsKey(def) === optionsKey(candidate)) return 'exists';
      if (!sameKey) {
        throw new CommandError(
          ErrorCode.IndexKeySpecsConflict,
          `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${JSON.stringify(candidate.spec)}, existing index: ${JSON.stringify(def.spec)}`,
        );
      }
      throw new CommandError(
        ErrorCode.IndexOptionsConflict,
        `An existing index has the same name as the requested index. Requested index: ${JSON.stringify(candidate.spec)}, existing index: ${JSON.stringify(def.spec)}`,
      );
    }
    if (sameKey && optionsKey(def) === optionsKey(candidate)) {
      throw new CommandError(
        ErrorCode.IndexOptionsConflict,
        `Index already exists with a different name: ${def.name}`,
      );
    }
    if (sameKey && def.partialFilterExpression === undefined && candidate.partialFilterExpression === undefined) {
      throw new CommandError(
        ErrorCode.IndexOptionsConflict,
        `An equivalent index already exists with the same name but different options. Requested index: ${JSON.stringify(candidate.spec)}, existing index: ${JSON.stringify(def.spec)}`,
      );
    }
  }
  return 'create';
}
