/**
 * Checks MongoDB makes before applying update operators to a document, with
 * its codes: `_id` may not change (66 ImmutableField; setting it to the value
 * it already has is allowed), and the arithmetic operators need numbers on
 * both sides (14 TypeMismatch).
 */
import { canonicalKey } from '../bson/canonical-key.ts';
import { isNumeric, type Doc } from '../bson/bson-types.ts';
import { getPath, hasPath } from '../bson/paths.ts';
import { CommandError, ErrorCode } from '../errors.ts';
import { formatValue } from '../storage/unique-index.ts';

const ARITHMETIC = new Set(['$inc', '$mul']);

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return value instanceof Date ? 'date' : 'object';
  return typeof value;
}

function touchesId(path: string): boolean {
  return path === '_id' || path.startsWith('_id.');
}

/**
 * Validates `operators` against the current document and returns them without
 * no-op `$set`s of `_id` (MongoDB accepts setting `_id` to its own value).
 */
export function checkOperators(operators: Doc, doc: Doc, isInsert: boolean): Doc {
  const out: Doc = {};
  for (const [operator, raw] of Object.entries(operators)) {
    const fields: Doc = {};
    for (const [path, value] of Object.entries(raw as Doc)) {
      if (!isInsert && touchesId(path) && operator !== '$setOnInsert') {
        const unchanged = operator === '$set' && hasPath(doc, path) && canonicalKey(getPath(doc, path)) === canonicalKey(value);
        if (unchanged) continue;
        throw new CommandError(ErrorCode.ImmutableField, `Performing an update on the path '${path}' would modify the immutable field '_id'`);
      }
      if (ARITHMETIC.has(operator)) {
        const verb = operator === '$inc' ? 'increment' : 'multiply';
        if (!isNumeric(value)) {
          throw new CommandError(ErrorCode.TypeMismatch, `Cannot ${verb} with non-numeric argument: {${path}: ${formatValue(value)}}`);
        }
        const current = path.includes('$') ? undefined : getPath(doc, path);
        if (current !== undefined && !isNumeric(current)) {
          throw new CommandError(
            ErrorCode.TypeMismatch,
            `Cannot apply ${operator} to a value of non-numeric type. {_id: ${formatValue(doc['_id'])}} has the field '${path.split('.').pop() ?? path}' of non-numeric type ${typeName(current)}`,
          );
        }
      }
      fields[path] = value;
    }
    if (Object.keys(fields).length > 0 || Object.keys(raw as Doc).length === 0) out[operator] = fields;
  }
  return out;
}
