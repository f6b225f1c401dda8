/**
 * Canonical string keys for BSON values: two values get the same key exactly
 * when MongoDB treats them as the same `_id` or the same unique-index key.
 * Numbers of every BSON type compare by value (1, 1.0 and Long 1 are one
 * key), types otherwise differ (1 and "1" are two keys), embedded documents
 * keep their field order, and null stands for a missing field.
 */
import { bsonTypeOf, isPlainDoc } from './bson-types.ts';

/** The key null and a missing value share, as in MongoDB's indexes. */
export const NULL_KEY = 'N';

function numberKey(value: number): string {
  if (Number.isNaN(value)) return 'n:NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'n:Inf' : 'n:-Inf';
  if (Number.isInteger(value)) return `n:${BigInt(value).toString()}`;
  return `n:${String(value)}`;
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function bsonKey(tag: string, value: object): string {
  switch (tag) {
    case 'ObjectId':
      return `o:${(value as { toHexString(): string }).toHexString()}`;
    case 'Long':
      return `n:${String(value)}`;
    case 'Int32':
    case 'Double':
      return numberKey((value as { value: number }).value);
    case 'Decimal128': {
      const asNumber = Number(String(value));
      return Number.isSafeInteger(asNumber) ? numberKey(asNumber) : `dec:${String(value)}`;
    }
    case 'Binary': {
      const binary = value as { sub_type: number; buffer: Uint8Array };
      return `x${binary.sub_type}:${hexOf(binary.buffer)}`;
    }
    case 'Timestamp':
      return `t:${String(value)}`;
    case 'BSONRegExp': {
      const re = value as { pattern: string; options: string };
      return `r:${JSON.stringify([re.pattern, re.options])}`;
    }
    case 'MinKey':
      return 'min';
    case 'MaxKey':
      return 'max';
    case 'BSONSymbol':
      return `s:${JSON.stringify(String(value))}`;
    default:
      return `${tag}:${JSON.stringify(value)}`;
  }
}

/** The canonical key of any BSON value (see the module comment). */
export function canonicalKey(value: unknown): string {
  if (value === null || value === undefined) return NULL_KEY;
  switch (typeof value) {
    case 'number':
      return numberKey(value);
    case 'bigint':
      return `n:${value.toString()}`;
    case 'string':
      return `s:${JSON.stringify(value)}`;
    case 'boolean':
      return value ? 'b:1' : 'b:0';
    default:
      break;
  }
  if (value instanceof Date) return `d:${value.getTime()}`;
  if (value instanceof RegExp) return `r:${JSON.stringify([value.source, value.flags])}`;
  if (Array.isArray(value)) return `[${value.map(canonicalKey).join(',')}]`;
  const tag = bsonTypeOf(value);
  if (tag !== undefined) return bsonKey(tag, value as object);
  if (isPlainDoc(value)) {
    const parts = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${canonicalKey(v)}`);
    return `{${parts.join(',')}}`;
  }
  return `?:${String(value)}`;
}
