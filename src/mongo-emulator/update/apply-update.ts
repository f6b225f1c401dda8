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

function applyPipeline(stages: readonly Doc[], doc: Doc, ctx: UpdateContext): Doc {
  const pipeline = substituteSystemVariables([...stages], ctx.vars);
  const options = mingoOptions(ctx.letVars === undefined ? {} : { variables: ctx.letVars });
  const out = new Aggregator(pipeline, options).run([cloneDoc(doc)]);
  const result = out[0];
  if (out.length !== 1 || !isPlainDoc(result)) {
    throw new CommandError(ErrorCode.BadValue, 'The update pipeline must produce exactly one document');
  }
  return result;
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
