/**
 * aggregate on a collection, evaluated with mingo. A leading `$match` uses
 * the planner (hash lookups on `_id` or unique keys), `$sort` follows
 * MongoDB's BSON order, and `$lookup` / `$unionWith` read other collections
 * of the same database through the same view (so inside a transaction they
 * see its snapshot). Stages that write (`$out`, `$merge`) or need server
 * internals are rejected.
 */
import { Aggregator } from 'mingo/aggregator';
import { ProcessingMode } from 'mingo/core';
import { cloneDoc } from '../bson/clone.ts';
import type { Doc } from '../bson/bson-types.ts';
import { isPlainDoc } from '../bson/bson-types.ts';
import { CommandError, ErrorCode, notImplemented } from '../errors.ts';
import { evaluateLet } from '../query/let-variables.ts';
import { mingoOptions } from '../query/mingo-context.ts';
import { substituteSystemVariables } from '../update/system-variables.ts';
import { sessionKeyOf } from '../txn/session-registry.ts';
import { optionalBoolean, optionalDoc, optionalNumber } from './command-args.ts';
import type { CommandContext, CommandSpec } from './command-context.ts';
import { checkCollation, checkHint } from './query-options.ts';
import { readMatches } from './read-documents.ts';
import { assertValidCollectionName } from '../storage/catalog.ts';

const UNSUPPORTED_STAGES = new Set([
  '$out', '$merge', '$collStats', '$indexStats', '$currentOp', '$listSessions', '$listLocalSessions',
  '$changeStream', '$search', '$searchMeta', '$vectorSearch', '$geoNear', '$planCacheStats', '$documents',
]);

function validatePipeline(pipeline: unknown): Doc[] {
  if (!Array.isArray(pipeline)) throw new CommandError(ErrorCode.TypeMismatch, "'pipeline' option must be specified as an array");
  for (const stage of pipeline) {
    if (!isPlainDoc(stage) || Object.keys(stage).length !== 1) {
      throw new CommandError(ErrorCode.FailedToParse, 'A pipeline stage specification object must contain exactly one field.');
    }
    const name = Object.keys(stage)[0] as string;
    if (UNSUPPORTED_STAGES.has(name)) throw notImplemented(`aggregation stage ${name}`);
  }
  return pipeline as Doc[];
}

function aggregate(ctx: CommandContext): Doc {
  const { command } = ctx;
  const target = command['aggregate'];
  if (target === 1) throw notImplemented('collection-less aggregate');
  assertValidCollectionName(ctx.db, target);
  const cursorSpec = optionalDoc(command, 'cursor');
  const explain = optionalBoolean(command, 'explain', false);
  if (explain) throw notImplemented('explain');
  if (cursorSpec === undefined) throw new CommandError(ErrorCode.FailedToParse, "The 'cursor' option is required, except for aggregate with the explain argument");
  checkCollation(command);
  const collection = ctx.server.catalog.get(ctx.db, target);
  checkHint(command, collection);
  const pipeline = substituteSystemVariables(validatePipeline(command['pipeline']), ctx.vars);
  const letVars = evaluateLet(command['let'], ctx.vars);

  // A leading $match narrows the input through the planner; mingo runs the rest.
  const first = pipeline[0];
  const leadingMatch = first !== undefined && isPlainDoc(first['$match']) ? (first['$match'] as Doc) : undefined;
  const input = readMatches(ctx.view, collection, leadingMatch ?? {}, { variables: letVars }).map((m) => m.doc);
  const rest = leadingMatch === undefined ? pipeline : pipeline.slice(1);

  const resolveCollection = (name: string): Doc[] =>
    readMatches(ctx.view, ctx.server.catalog.get(ctx.db, name), {}).map((m) => cloneDoc(m.doc));
  const options = mingoOptions({
    collectionResolver: resolveCollection,
    processingMode: ProcessingMode.CLONE_INPUT,
    ...(letVars === undefined ? {} : { variables: letVars }),
  });
  const docs = rest.length === 0 ? input : new Aggregator(rest, options).run<Doc>(input);
  const namespace = `${ctx.db}.${target}`;
  const batchSize = optionalNumber(cursorSpec, 'batchSize');
  const { id, batch } = ctx.server.cursors.open(namespace, docs, batchSize, sessionKeyOf(command));
  return { cursor: { firstBatch: batch, id, ns: namespace }, ok: 1 };
}

/** aggregate. */
export const aggregateCommands: Record<string, CommandSpec> = {
  aggregate: {
    handler: aggregate,
    fields: ['pipeline', 'cursor', 'explain', 'allowDiskUse', 'collation', 'hint', 'let', 'bypassDocumentValidation'],
    inTransaction: true,
  },
};
