/**
 * Applies a validated update to one document and returns the new document
 * (the input is never mutated). Operator updates run through mingo's
 * updater, pipelines through a mingo aggregation limited to the update
 * stages; `$setOnInsert` applies only when inserting, `$currentDate` and
 * `$$NOW` use the command's single clock reading, and `_id` may not change
 * (66 ImmutableField).
 */
import { Aggregator } from 'mingo/aggregator';
import { update as mingoUpdate } from 'mingo/updater';
import { isPlainDoc, type Doc } from '../bson/bson-types.ts';
import { canonicalKey } from '../bson/canonical-key.ts';
import { cloneDoc } from '../bson/clone.ts';
import { CommandError, ErrorCode } from '../errors.ts';
import { mingoOptions, mingoUpdateOptions } from '../query/mingo-context.ts';
import { finalizeDoc } from './document-rules.ts';
import { checkOperators } from './operator-checks.ts';
import { applySimpleOperators } from './simple-operators.ts';
import { substituteSystemVariables, type SystemVariables } from './system-variables.ts';
import type { UpdateSpec } from './update-spec.ts';
import { formatValue } from '../storage/unique-index.ts';

/** What an update needs besides the document. */
export interface UpdateContext {
  readonly isInsert: boolean;
  readonly filter: Doc;
  readonly arrayFilters: readonly Doc[] | undefined;
  readonly vars: SystemVariables;
  readonly letVars: Doc | undefined;
}

function currentDateAsSet(spec: Doc, vars: SystemVariables): Doc {
  const set: Doc = {};
  for (const [path, kind] of Object.entries(spec)) {
    const wantsTimestamp = isPlainDoc(kind) && kind['$type'] === 'timestamp';
    set[path] = wantsTimestamp ? vars.clusterTime : new Date(vars.now.getTime());
  }
  return set;
}

function usesPositional(operators: Doc): boolean {
  return Object.values(operators).some((fields) =>
    Object.keys(fields as Doc).some((path) => path.split('.').includes('$')),
  );
}

function applyOperators(operators: Doc, doc: Doc, ctx: UpdateContext): Doc {
  const modifier: Doc = {};
  for (const [operator, fields] of Object.entries(checkOperators(operators, doc, ctx.isInsert))) {
    if (operator === '$setOnInsert') {
      if (ctx.isInsert) modifier['$set'] = { ...(modifier['$set'] as Doc | undefined), ...(fields as Doc) };
    } else if (operator === '$currentDate') {
      modifier['$set'] = { ...(modifier['$set'] as Doc | undefined), ...currentDateAsSet(fields as Doc, ctx.vars) };
    } else if (operator === '$set') {
      modifier['$set'] = { ...(modifier['$set'] as Doc | undefined), ...(fields as Doc) };
    } else {
      modifier[operator] = fields;
    }
  }
  if (Object.keys(modifier).length === 0) return cloneDoc(doc);
  const fast = applySimpleOperators(modifier, doc);
  if (fast !== undefined) return fast;
  const target = cloneDoc(doc);
  if (usesPositional(modifier) && ctx.isInsert) {
    throw new CommandError(ErrorCode.BadValue, 'The positional operator did not find the match needed from the query.');
  }
  const condition = usesPositional(modifier) ? ctx.filter : {};
  mingoUpdate(target, modifier, ctx.arrayFilters === undefined ? undefined : [...ctx.arrayFilters], condition, {
    cloneMode: 'deep',
    queryOptions: mingoUpdateOptions(),
  });
  return target;
}

/**
 * Removes `path` from `value`, as a `$unset` stage does: through embedded
 * documents, and through arrays into each document they hold.
 */
function unsetPath(value: unknown, segments: readonly string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) unsetPath(item, segments);
    return;
  }
  if (!isPlainDoc(value)) return;
  const [head, ...rest] = segments;
  if (head === undefined || !Object.hasOwn(value, head)) return;
  if (rest.length === 0) delete value[head];
  else unsetPath(value[head], rest);
}

/** The field paths of a `$unset` stage: a string or an array of strings. */
function unsetStagePaths(stage: Doc): string[] | undefined {
  if (!Object.hasOwn(stage, '$unset') || Object.keys(stage).length !== 1) return undefined;
  const spec = stage['$unset'];
  const paths = typeof spec === 'string' ? [spec] : spec;
  return Array.isArray(paths) && paths.every((p): p is string => typeof p === 'string' && p !== '' && !p.startsWith('$'))
    ? paths
    : undefined;
}

/**
 * Runs the pipeline on one document. `$unset` stages are applied here rather
 * than by mingo, which refuses any path through a field named "__proto__"
 * (a guard for JavaScript objects that MongoDB documents do not need).
 */
function applyPipeline(stages: readonly Doc[], doc: Doc, ctx: UpdateContext): Doc {
  const pipeline = substituteSystemVariables([...stages], ctx.vars);
  const options = mingoOptions(ctx.letVars === undefined ? {} : { variables: ctx.letVars });
  let current = cloneDoc(doc);
  let pending: Doc[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    const out = new Aggregator(pending, options).run([current]);
    const result = out[0];
    if (out.length !== 1 || !isPlainDoc(result)) {
      throw new CommandError(ErrorCode.BadValue, 'The update pipeline must produce exactly one document');
    }
    current = result;
    pending = [];
  };
  for (const stage of pipeline) {
    const paths = isPlainDoc(stage) ? unsetStagePaths(stage) : undefined;
    if (paths === undefined) {
      pending.push(stage);
      continue;
    }
    flush();
    for (const path of paths) unsetPath(current, path.split('.'));
  }
  flush();
  return current;
}

/** Applies `spec` to `doc`; the result keeps `doc`'s `_id` and is ready to store. */
export function applyUpdate(spec: UpdateSpec, doc: Doc, ctx: UpdateContext): Doc {
  let result: Doc;
  switch (spec.kind) {
    case 'operators':
      result = applyOperators(spec.operators, doc, ctx);
      break;
    case 'pipeline':
      result = applyPipeline(spec.stages, doc, ctx);
      break;
    case 'replacement':
      result = cloneDoc(spec.replacement);
      break;
  }
  const hadId = Object.hasOwn(doc, '_id');
  if (hadId) {
    if (!Object.hasOwn(result, '_id')) {
      result = { _id: doc['_id'], ...result };
    } else if (canonicalKey(result['_id']) !== canonicalKey(doc['_id'])) {
      if (ctx.isInsert && spec.kind !== 'replacement') {
        throw new CommandError(ErrorCode.ImmutableField, `Performing an update on the path '_id' would modify the immutable field '_id'`);
      }
      throw new CommandError(
        ErrorCode.ImmutableField,
        `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${formatValue(result['_id'])}`,
      );
    }
  }
  return finalizeDoc(result);
}
