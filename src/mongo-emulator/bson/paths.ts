/**
 * Reading and writing dotted field paths (`address.city`) in documents, as
 * MongoDB's query and index code does: a path through an array reaches the
 * field in every element of the array.
 */
import { isPlainDoc, type Doc } from './bson-types.ts';

/**
 * Every value a dotted path reaches: one value for plain paths, one per array
 * element when the path crosses arrays; an empty list when nothing is there.
 * `expandLeafArrays` also spreads an array found at the end of the path (as
 * multikey indexes do).
 */
export function valuesAtPath(doc: unknown, path: string, expandLeafArrays: boolean): unknown[] {
  return collect(doc, path.split('.'), 0, expandLeafArrays);
}

function collect(value: unknown, parts: readonly string[], at: number, expandLeaf: boolean): unknown[] {
  if (at === parts.length) {
    if (expandLeaf && Array.isArray(value)) return value.length === 0 ? [undefined] : [...value];
    return [value];
  }
  const part = parts[at] as string;
  if (Array.isArray(value)) {
    const index = /^\d+$/.test(part) ? Number(part) : -1;
    if (index >= 0 && index < value.length) return collect(value[index], parts, at + 1, expandLeaf);
    return value.flatMap((element) => (isPlainDoc(element) ? collect(element, parts, at, expandLeaf) : []));
  }
  if (!isPlainDoc(value) || !Object.hasOwn(value, part)) return [];
  return collect(value[part], parts, at + 1, expandLeaf);
}

/** The value at a dotted path through plain documents only (no arrays). */
export function getPath(doc: Doc, path: string): unknown {
  let current: unknown = doc;
  for (const part of path.split('.')) {
    if (!isPlainDoc(current) || !Object.hasOwn(current, part)) return undefined;
    current = current[part];
  }
  return current;
}

/** Whether a dotted path exists through plain documents. */
export function hasPath(doc: Doc, path: string): boolean {
  let current: unknown = doc;
  for (const part of path.split('.')) {
    if (!isPlainDoc(current) || !Object.hasOwn(current, part)) return false;
    current = current[part];
  }
  return true;
}

/**
 * Where a dotted path ends through plain documents: the parent document and
 * the last key. Missing intermediate documents are created when `create` is
 * set; otherwise the answer is `null` (nothing is there). `undefined` means
 * an array or a scalar stands in the way.
 */
export function locatePath(
  doc: Doc,
  path: string,
  create: boolean,
): { parent: Doc; key: string } | null | undefined {
  const parts = path.split('.');
  let current: Doc = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i] as string;
    const next = current[part];
    if (next === undefined) {
      if (!create) return null;
      const made: Doc = {};
      current[part] = made;
      current = made;
    } else if (isPlainDoc(next)) {
      current = next;
    } else {
      return undefined;
    }
  }
  return { parent: current, key: parts[parts.length - 1] as string };
}

/**
 * Sets a dotted path, creating intermediate documents. Returns false when a
 * non-document value is in the way (MongoDB reports that as a conflict).
 */
export function setPath(doc: Doc, path: string, value: unknown): boolean {
  const place = locatePath(doc, path, true);
  if (place == null) return false;
  place.parent[place.key] = value;
  return true;
}
