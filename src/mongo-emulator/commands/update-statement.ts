/**
 * Plans one update statement (shared by `update` and `findAndModify`):
 * select the target documents, apply the update to each, and for an upsert
 * with no match build the new document from the filter's equalities.
 */
import type { Doc } from '../bson/bson-types.ts';
import { canonicalKey } from '../bson/canonical-key.ts';
import type { SortSpec } from '../query/sort.ts';
import type { Collection } from '../storage/collection.ts';
import type { Change } from '../txn/write-engine.ts';
import { applyUpdate, type UpdateContext } from '../update/apply-update.ts';
import { idSeedFromFilter, seedFromFilter } from '../update/upsert-seed.ts';
import type { UpdateSpec } from '../update/update-spec.ts';
import type { CommandContext } from './command-context.ts';
import { readMatches } from './read-documents.ts';
import { insertChange, type PlannedStatement } from './write-statement.ts';

/** A parsed update statement. */
export interface UpdateStatement {
  readonly filter: Doc;
  readonly spec: UpdateSpec;
  readonly multi: boolean;
  readonly upsert: boolean;
  readonly arrayFilters: readonly Doc[] | undefined;
  readonly sort: SortSpec | undefined;
  readonly letVars: Doc | undefined;
}

/** What a statement did. */
export interface UpdateOutcome {
  readonly matched: number;
  readonly modified: number;
  /** Set when the statement inserted (upsert). */
  readonly upsertedId?: unknown;
  /** The first target before and after the update (findAndModify). */
  readonly before?: Doc;
  readonly after?: Doc;
}

/** Plans the statement against the context's view. */
export function planUpdate(ctx: CommandContext, collection: Collection, statement: UpdateStatement): PlannedStatement<UpdateOutcome> {
  const base: Omit<UpdateContext, 'isInsert'> = {
    filter: statement.filter,
    arrayFilters: statement.arrayFilters,
    vars: ctx.vars,
    letVars: statement.letVars,
  };
  const matches = readMatches(ctx.view, collection, statement.filter, {
    sort: statement.sort,
    limit: statement.multi ? 0 : 1,
    variables: statement.letVars,
  });
  if (matches.length === 0) {
    if (!statement.upsert) return { changes: [], result: { matched: 0, modified: 0 } };
    const seed = statement.spec.kind === 'replacement' ? idSeedFromFilter(statement.filter) : seedFromFilter(statement.filter);
    const doc = applyUpdate(statement.spec, seed, { ...base, isInsert: true });
    const change = insertChange(ctx.view, collection, doc);
    return { changes: [change], result: { matched: 0, modified: 0, upsertedId: doc['_id'], after: doc } };
  }
  const changes: Change[] = [];
  let first: { before: Doc; after: Doc } | undefined;
  for (const { idKey, doc } of matches) {
    const updated = applyUpdate(statement.spec, doc, { ...base, isInsert: false });
    first ??= { before: doc, after: updated };
    if (canonicalKey(updated) !== canonicalKey(doc)) changes.push({ collection, idKey, after: updated });
  }
  const result: UpdateOutcome = { matched: matches.length, modified: changes.length, ...first };
  return { changes, result };
}
