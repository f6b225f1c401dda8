/**
 * Aggregation expressions where MongoDB is stricter than mingo and the
 * difference shows: `$mergeObjects` fails on an operand that is neither a
 * document nor null/missing (error 40400) instead of skipping it, so a
 * pipeline update over a malformed field fails as it would on a real server.
 */
import { evalExpr } from 'mingo/core';
import type { Options } from 'mingo/types';
import { isPlainDoc, type Doc } from '../bson/bson-types.ts';
import { CommandError, ErrorCode } from '../errors.ts';
import { formatValue } from '../storage/unique-index.ts';

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'date';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'double';
  if (typeof value === 'boolean') return 'bool';
  return typeof value === 'object' ? ((value as { _bsontype?: string })._bsontype ?? 'object').toLowerCase() : typeof value;
}

/** `$mergeObjects` with MongoDB's operand check. */
export function $mergeObjects(obj: Doc, expr: unknown, options: Options): Doc {
  const operands = Array.isArray(expr) ? (evalExpr(obj, expr, options) as unknown[]) : [evalExpr(obj, expr, options)];
  const merged: Doc = {};
  for (const operand of operands) {
    if (operand === null || operand === undefined) continue;
    if (!isPlainDoc(operand)) {
      throw new CommandError(
        ErrorCode.Location40400,
        `$mergeObjects requires object inputs, but input ${formatValue(operand)} is of type ${typeName(operand)}`,
      );
    }
    Object.assign(merged, operand);
  }
  return merged;
}
