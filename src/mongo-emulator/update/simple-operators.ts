/**
 * A fast path for the update operators most writes use — `$set`, `$unset`,
 * `$inc`, `$mul`, `$min`, `$max` — on plain dotted paths through embedded
 * documents. mingo's updater rebuilds its operator tables on every call,
 * which dominates the cost of small updates; this path does the same work
 * directly. Anything it does not handle exactly (arrays on the path,
 * positional operators, non-double numeric types) returns undefined and the
 * caller falls back to mingo.
 */
import { compareValues } from '../bson/bson-order.ts';
import { isPlainDoc, type Doc } from '../bson/bson-types.ts';
import { cloneValue } from '../bson/clone.ts';

const SIMPLE = new Set(['$set', '$unset', '$inc', '$mul', '$min', '$max']);

/** Parent document and last key of a path, creating parents when asked. */
function locate(doc: Doc, path: string, create: boolean): { parent: Doc; key: string } | null | undefined {
  const parts = path.split('.');
  let current: Doc = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i] as string;
    const next = current[part];
    if (next === undefined) {
      if (!create) return null; // nothing there: a no-op for $unset
      const made: Doc = {};
      current[part] = made;
      current = made;
    } else if (isPlainDoc(next)) {
      current = next;
    } else {
      return undefined; // arrays or scalars on the path: let mingo decide
    }
  }
  return { parent: current, key: parts[parts.length - 1] as string };
}

function applyOne(operator: string, doc: Doc, path: string, value: unknown): boolean {
  const place = locate(doc, path, operator !== '$unset');
  if (place === undefined) return false;
  if (place === null) return true;
  const { parent, key } = place;
  const current = parent[key];
  switch (operator) {
    case '$set':
      parent[key] = cloneValue(value);
      return true;
    case '$unset':
      delete parent[key];
      return true;
    case '$inc':
    case '$mul': {
      if (typeof value !== 'number' || (current !== undefined && typeof current !== 'number')) return false;
      const base = current ?? 0;
      parent[key] = operator === '$inc' ? base + value : (current === undefined ? 0 : base * value);
      return true;
    }
    default: {
      if (current === undefined) {
        parent[key] = cloneValue(value);
        return true;
      }
      const c = compareValues(value, current);
      if ((operator === '$min' && c < 0) || (operator === '$max' && c > 0)) parent[key] = cloneValue(value);
      return true;
    }
  }
}

/**
 * Applies the operators to a copy of `doc`, or returns undefined when the
 * update needs mingo.
 */
export function applySimpleOperators(operators: Doc, doc: Doc): Doc | undefined {
  for (const [operator, fields] of Object.entries(operators)) {
    if (!SIMPLE.has(operator)) return undefined;
    for (const path of Object.keys(fields as Doc)) {
      if (path.includes('$') || path.split('.').some((part) => part === '' || /^\d+$/.test(part))) return undefined;
    }
  }
  const target = cloneValue(doc);
  for (const [operator, fields] of Object.entries(operators)) {
    for (const [path, value] of Object.entries(fields as Doc)) {
      if (!applyOne(operator, target, path, value)) return undefined;
    }
  }
  return target;
}

