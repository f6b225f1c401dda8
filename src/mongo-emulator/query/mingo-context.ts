/**
 * The mingo operator context the emulator evaluates queries, projections,
 * aggregation pipelines and update pipelines with: every mingo operator,
 * except that `$sort` follows MongoDB's BSON order (mingo's own order puts
 * ObjectId after dates and ignores numeric BSON classes), and the range
 * query operators compare strings by UTF-8 bytes as MongoDB does, and
 * `$mergeObjects` rejects non-document operands as MongoDB does.
 */
import { Context } from 'mingo/core';
import type { Options } from 'mingo/types';
import { Lazy, type Iterator } from 'mingo/lazy';
import * as accumulatorOperators from 'mingo/operators/accumulator';
import * as expressionOperators from 'mingo/operators/expression';
import * as pipelineOperators from 'mingo/operators/pipeline';
import * as projectionOperators from 'mingo/operators/projection';
import * as queryOperators from 'mingo/operators/query';
import * as windowOperators from 'mingo/operators/window';
import type { Doc } from '../bson/bson-types.ts';
import { rangeOperators } from './range-operators.ts';
import { $mergeObjects } from './strict-expressions.ts';
import { parseSortSpec, sortDocs } from './sort.ts';

function bsonSort(collection: Iterator, spec: unknown): Iterator {
  const parsed = parseSortSpec(spec);
  return collection.transform((items: Doc[]) => Lazy(sortDocs(items, parsed)));
}

// mingo copies its operator tables for every query and update it compiles.
// Its CommonJS build exports operators through getters, which makes those
// copies slow; plain objects copied once here keep them cheap.
const CONTEXT = Context.init({
  accumulator: { ...accumulatorOperators },
  expression: { ...expressionOperators, $mergeObjects: $mergeObjects as unknown as typeof expressionOperators.$mergeObjects },
  pipeline: { ...pipelineOperators, $sort: bsonSort as unknown as typeof pipelineOperators.$sort },
  projection: { ...projectionOperators },
  query: { ...queryOperators, ...(rangeOperators as unknown as Partial<typeof queryOperators>) },
  window: { ...windowOperators },
});

/** The smaller context update operators need (query operators for `$pull` conditions and arrayFilters). */
const UPDATE_CONTEXT = Context.init({ query: { ...queryOperators } });

/**
 * mingo options for one evaluation: the emulator's context, strict MongoDB
 * mode, no server-side JavaScript, plus any extra options (variables,
 * collection resolver for `$lookup`).
 */
export function mingoOptions(extra: Partial<Options> = {}): Partial<Options> {
  return { context: CONTEXT, useStrictMode: true, scriptEnabled: false, ...extra };
}

/** mingo options for applying update operators (mingo's updater adds what else it needs). */
export function mingoUpdateOptions(): Partial<Options> {
  return { context: UPDATE_CONTEXT, useStrictMode: true, scriptEnabled: false };
}
