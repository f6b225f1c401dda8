/**
 * Sorting documents in MongoDB's order. A sort key that reaches several
 * values (an array field) sorts by its smallest value ascending and its
 * largest descending; a missing field sorts as null. Ties keep the input
 * order, which is the collection's insertion order.
 */
import { compareValues } from '../bson/bson-order.ts';
import { isPlainDoc, type Doc } from '../bson/bson-types.ts';
import { valuesAtPath } from '../bson/paths.ts';
import { CommandError, ErrorCode, notImplemented } from '../errors.ts';

/** A validated sort specification: fields with direction 1 or -1. */
export type SortSpec = ReadonlyArray<readonly [string, 1 | -1]>;

/** Validates a `sort` document. */
export function parseSortSpec(raw: unknown): SortSpec {
  if (!isPlainDoc(raw)) throw new CommandError(ErrorCode.TypeMismatch, 'sort must be an object');
  return Object.entries(raw).map(([field, direction]) => {
    if (isPlainDoc(direction)) throw notImplemented(`sort by ${JSON.stringify(direction)}`);
    const n = Number(direction);
    if (n !== 1 && n !== -1) throw new CommandError(ErrorCode.BadValue, `$sort key ordering must be 1 (for ascending) or -1 (for descending)`);
    return [field, n] as const;
  });
}

function sortKey(doc: Doc, path: string, direction: 1 | -1): unknown {
  const values = valuesAtPath(doc, path, true);
  if (values.length === 0) return null;
  let best: unknown = values[0];
  for (const value of values.slice(1)) {
    const c = compareValues(value, best);
    if ((direction === 1 && c < 0) || (direction === -1 && c > 0)) best = value;
  }
  return best === undefined ? null : best;
}

/** Returns the documents sorted by the spec (a new array). */
export function sortDocs<T extends Doc>(docs: readonly T[], spec: SortSpec): T[] {
  if (spec.length === 0) return [...docs];
  const keyed = docs.map((doc, position) => ({ doc, position, keys: spec.map(([path, dir]) => sortKey(doc, path, dir)) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < spec.length; i++) {
      const direction = (spec[i] as readonly [string, 1 | -1])[1];
      const c = compareValues(a.keys[i], b.keys[i]);
      if (c !== 0) return c * direction;
    }
    return a.position - b.position;
  });
  return keyed.map((entry) => entry.doc);
}
