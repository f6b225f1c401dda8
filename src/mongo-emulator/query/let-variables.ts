/**
 * A command's `let` option (find, aggregate, update, delete,
 * findAndModify): user variables, each an aggregation expression evaluated
 * once for the whole command, before any document is read, and then
 * referenced as `$$name` in `$expr` filters and pipelines. `$$NOW` and
 * `$$CLUSTER_TIME` inside them take the command's fixed values.
 */
import { evalExpr } from 'mingo/core';
import type { Options } from 'mingo/types';
import { isPlainDoc, type Doc } from '../bson/bson-types.ts';
import { CommandError, ErrorCode } from '../errors.ts';
import { substituteSystemVariables, type SystemVariables } from '../update/system-variables.ts';
import { mingoOptions } from './mingo-context.ts';

/** The values of a `let` document (undefined when there is none). */
export function evaluateLet(letDoc: unknown, vars: SystemVariables): Doc | undefined {
  if (letDoc === undefined || letDoc === null) return undefined;
  if (!isPlainDoc(letDoc)) throw new CommandError(ErrorCode.TypeMismatch, "BSON field 'let' is the wrong type, expected type 'object'");
  const options = mingoOptions() as Options;
  const values: Doc = {};
  for (const [name, expr] of Object.entries(letDoc)) {
    values[name] = evalExpr({}, substituteSystemVariables(expr, vars), options);
  }
  return values;
}
