/**
 * Rules every stored document follows: `_id` is the first field, values
 * are valid BSON (no `undefined`), and `_id` is never an array or a regular
 * expression (MongoDB rejects those with code 2 BadValue) and holds no
 * `$`-prefixed field name (52).
 */
import { ObjectId } from 'bson';
import { bsonTypeOf, isPlainDoc, type Doc } from '../bson/bson-types.ts';
import { CommandError, ErrorCode } from '../errors.ts';

function stripUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : stripUndefined(item)));
  if (isPlainDoc(value)) {
    const out: Doc = {};
    for (const [key, field] of Object.entries(value)) if (field !== undefined) out[key] = stripUndefined(field);
    return out;
  }
  return value;
}

/** The first `$`-prefixed field name inside a value (at any depth), if any. */
function dollarPrefixedField(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = dollarPrefixedField(item);
      if (found !== undefined) return found;
    }
  } else if (isPlainDoc(value)) {
    for (const [key, field] of Object.entries(value)) {
      if (key.startsWith('$')) return key;
      const found = dollarPrefixedField(field);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * Checks a value can be an `_id`: not an array or a regular expression (2
 * BadValue), and, although documents may hold `$`-prefixed field names since
 * MongoDB 5.0, none inside `_id` (52 DollarPrefixedFieldName).
 */
export function assertValidId(id: unknown): void {
  if (Array.isArray(id)) throw new CommandError(ErrorCode.BadValue, `The '_id' value cannot be of type array`);
  if (id instanceof RegExp || bsonTypeOf(id) === 'BSONRegExp') {
    throw new CommandError(ErrorCode.BadValue, `can't use a regex for _id`);
  }
  const dollar = dollarPrefixedField(id);
  if (dollar !== undefined) {
    throw new CommandError(ErrorCode.DollarPrefixedFieldName, `_id fields may not contain '$'-prefixed fields: ${dollar} is not valid for storage.`);
  }
}

/**
 * The document as MongoDB stores it: `_id` first (generated as an ObjectId
 * when missing), no undefined values.
 */
export function finalizeDoc(doc: Doc): Doc {
  const clean = stripUndefined(doc) as Doc;
  const id = Object.hasOwn(clean, '_id') ? clean['_id'] : new ObjectId();
  assertValidId(id);
  const out: Doc = { _id: id };
  for (const [key, value] of Object.entries(clean)) if (key !== '_id') out[key] = value;
  return out;
}
