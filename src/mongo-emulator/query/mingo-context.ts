/**
 * The mingo operator context the emulator evaluates queries, projections,
 * aggregation pipelines and update pipelines with: every mingo operator,
 * except that `$sort` follows MongoDB's BSON order (mingo's own order puts
 * ObjectId after dates and ignores numeric BSON classes).
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
import { parseSortSpec, sortDocs } from './sort.ts';

function bsonSort(collection: Iterator, spec: unknown): Iterator {
  const parsed = parseSortSpec(spec);
  return collection.transform((items: Doc[]) => Lazy(sortDocs(items, parsed)));
}

const CONTEXT = Context.init({
  accumulator: accumulatorOperators,
  expression: expressionOperators,
  pipeline: { ...pipelineOperators, $sort: bsonSort as unknown as typeof pipelineOperators.$sort },
  projection: projectionOperators,
  query: queryOperators,
  window: windowOperators,
});

/**
 * mingo options for one evaluation: the emulator's context, strict MongoDB
 * mode, no server-side JavaScript, plus any extra options (variables,
 * collection resolver for `$lookup`).
 */
export function mingoOptions(extra: Partial<Options> = {}): Partial<Options> {
  return { context: CONTEXT, useStrictMode: true, scriptEnabled: false, ...extra };
}
