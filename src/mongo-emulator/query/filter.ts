/**
 * Query filters, evaluated with mingo. Also extracts the equality
 * conditions of a filter (`{ a: 1 }`, `{ a: { $eq: 1 } }`, and those inside
 * `$and`), which the planner uses for hash lookups and upserts use to seed
 * new documents.
 */
import { Query } from 'mingo/query';
import { isOperatorDoc, isPlainDoc, type Doc } from '../bson/bson-types.ts';
import { CommandError, ErrorCode } from '../errors.ts';
import { mingoOptions } from './mingo-context.ts';

/** A compiled filter. */
export type Matcher = (doc: Doc) => boolean;

const MATCH_ALL: Matcher = () => true;

/** Compiles a filter document (undefined or `{}` match everything). */
export function compileFilter(filter: unknown, variables?: Doc): Matcher {
  if (filter === undefined || filter === null) return MATCH_ALL;
  if (!isPlainDoc(filter)) throw new CommandError(ErrorCode.TypeMismatch, 'filter must be an object');
  if (Object.keys(filter).length === 0) return MATCH_ALL;
  const query = new Query(filter, mingoOptions(variables === undefined ? {} : { variables }));
  return (doc) => query.test(doc);
}

/** One equality condition of a filter: a dotted path and its value. */
export interface Equality {
  readonly path: string;
  readonly value: unknown;
}

/**
 * The equality conditions that every matching document satisfies: plain
 * values and `$eq` at the top level and inside `$and`. Regular expressions
 * are not equalities (they match strings).
 */
export function equalityConditions(filter: unknown): Equality[] {
  if (!isPlainDoc(filter)) return [];
  const out: Equality[] = [];
  for (const [path, condition] of Object.entries(filter)) {
    if (path === '$and' && Array.isArray(condition)) {
      for (const clause of condition) out.push(...equalityConditions(clause));
      continue;
    }
    if (path.startsWith('$')) continue;
    if (condition instanceof RegExp) continue;
    if (isOperatorDoc(condition)) {
      if (Object.hasOwn(condition, '$eq') && !(condition['$eq'] instanceof RegExp)) out.push({ path, value: condition['$eq'] });
      continue;
    }
    out.push({ path, value: condition });
  }
  return out;
}
