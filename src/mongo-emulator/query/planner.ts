/**
 * Chooses which documents a filter has to be tested against. Equality on
 * `_id` (or `_id: { $in: [...] }`) and equality on every field of a
 * non-partial unique index become hash lookups; anything else scans the
 * collection. The planner only narrows: callers still test each candidate
 * against the whole filter.
 */
import { isOperatorDoc, isPlainDoc, type Doc } from '../bson/bson-types.ts';
import { canonicalKey } from '../bson/canonical-key.ts';
import type { Collection } from '../storage/collection.ts';
import type { ReadView } from '../txn/read-view.ts';
import { equalityConditions } from './filter.ts';

/** How the candidates were found (reported by tests and `explain`-like checks). */
export type PlanKind = 'id-lookup' | 'unique-index' | 'scan';

/** Candidate documents for a filter. */
export interface Plan {
  readonly kind: PlanKind;
  readonly candidates: Iterable<readonly [string, Doc]>;
}

function isLookupValue(value: unknown): boolean {
  return !Array.isArray(value) && !(value instanceof RegExp) && !isOperatorDoc(value);
}

function idKeysOf(filter: Doc): string[] | undefined {
  const equalities = equalityConditions(filter).filter((e) => e.path === '_id' && isLookupValue(e.value));
  if (equalities.length > 0) return [canonicalKey((equalities[0] as { value: unknown }).value)];
  const condition = filter['_id'];
  if (isPlainDoc(condition) && Object.keys(condition).length === 1 && Array.isArray(condition['$in'])) {
    const values = condition['$in'] as unknown[];
    if (values.every(isLookupValue)) return [...new Set(values.map(canonicalKey))];
  }
  return undefined;
}

function* lookup(view: ReadView, collection: Collection, idKeys: Iterable<string>): Iterable<readonly [string, Doc]> {
  for (const idKey of idKeys) {
    const doc = view.get(collection, idKey);
    if (doc !== undefined) yield [idKey, doc] as const;
  }
}

/** Plans a read of `collection` through `view` for `filter`. */
export function planQuery(view: ReadView, collection: Collection, filter: unknown): Plan {
  if (isPlainDoc(filter)) {
    const idKeys = idKeysOf(filter);
    if (idKeys !== undefined) return { kind: 'id-lookup', candidates: lookup(view, collection, idKeys) };
    const equalities = equalityConditions(filter).filter((e) => isLookupValue(e.value));
    if (equalities.length > 0) {
      const byPath = new Map(equalities.map((e) => [e.path, e.value]));
      for (const def of collection.secondaryUniqueIndexes()) {
        if (def.partialFilter !== undefined || def.sparse) continue;
        if (!def.fields.every((field) => byPath.has(field))) continue;
        const key = def.fields.map((field) => canonicalKey(byPath.get(field))).join('|');
        const ids = view.uniqueCandidates(collection, def, key);
        if (ids !== undefined) return { kind: 'unique-index', candidates: lookup(view, collection, ids) };
      }
    }
  }
  return { kind: 'scan', candidates: view.scan(collection) };
}
