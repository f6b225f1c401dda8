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
import type { Doc } from '../bson/bson-types.ts';
import { cloneValue } from '../bson/clone.ts';
import { locatePath } from '../bson/paths.ts';

const SIMPLE = new Set(['$set', '$unset', '$inc', '$mul', '$min', '$max']);

function applyOne(operator: string, doc: Doc, path: string, value: unknown): boolean {
  // Arrays or scalars on the path (undefined): let mingo decide. Nothing
  // there for $unset (null): a no-op.
  const place = locatePath(doc, path, operator !== '$unset');
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

