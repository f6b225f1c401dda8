/**
 * The read path shared by find, count, update, delete and findAndModify:
 * plan (hash lookup or scan), filter with mingo, sort in MongoDB's order,
 * then skip and limit. Returns the stored documents themselves; callers copy
 * before changing anything.
 */
import { isOperatorDoc, isPlainDoc, type Doc } from '../bson/bson-types.ts';
import { compileFilter } from '../query/filter.ts';
import { planQuery } from '../query/planner.ts';
import { sortDocs, type SortSpec } from '../query/sort.ts';
import type { Collection } from '../storage/collection.ts';
import type { ReadView } from '../txn/read-view.ts';

/** Options of a read. */
export interface ReadOptions {
  readonly sort?: SortSpec | undefined;
  readonly skip?: number | undefined;
  /** 0 or undefined: no limit. */
  readonly limit?: number | undefined;
  readonly variables?: Doc | undefined;
}

/** A matching document with its `_id` key. */
export interface Match {
  readonly idKey: string;
  readonly doc: Doc;
}

/** Documents of `collection` (through `view`) matching `filter`. */
export function readMatches(view: ReadView, collection: Collection | undefined, filter: unknown, options: ReadOptions = {}): Match[] {
  if (collection === undefined) return [];
  const plan = planQuery(view, collection, filter);
  // `{ _id: value }` alone is answered exactly by the lookup: no filter to run.
  const exact = plan.kind === 'id-lookup' && isPlainDoc(filter) && Object.keys(filter).length === 1 && !isOperatorDoc(filter['_id']);
  const matcher = exact ? () => true : compileFilter(filter, options.variables);
  const limit = options.limit !== undefined && options.limit > 0 ? options.limit : Infinity;
  const skip = options.skip ?? 0;
  const sorting = options.sort !== undefined && options.sort.length > 0;
  const matches: Match[] = [];
  for (const [idKey, doc] of plan.candidates) {
    if (!matcher(doc)) continue;
    matches.push({ idKey, doc });
    // Without a sort the first skip+limit matches are the answer.
    if (!sorting && matches.length >= skip + limit) break;
  }
  let ordered = matches;
  if (sorting) {
    const byDoc = new Map(matches.map((m) => [m.doc, m]));
    ordered = sortDocs(matches.map((m) => m.doc), options.sort as SortSpec).map((doc) => byDoc.get(doc) as Match);
  }
  return ordered.slice(skip, limit === Infinity ? undefined : skip + limit);
}
