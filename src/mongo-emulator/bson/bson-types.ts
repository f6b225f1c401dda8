/**
 * Type tests for the values a BSON document can hold after decoding with the
 * `bson` package. BSON classes are recognised by their `_bsontype` tag rather
 * than `instanceof`, so values built by another copy of the package still
 * count.
 */

/** A decoded BSON document. */
export type Doc = Record<string, unknown>;

/** The `_bsontype` tag of a BSON class instance, if the value is one. */
export function bsonTypeOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const tag = (value as { _bsontype?: unknown })._bsontype;
  return typeof tag === 'string' ? tag : undefined;
}

/** True for plain documents (not arrays, dates, regexes or BSON classes). */
export function isPlainDoc(value: unknown): value is Doc {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** True when a document's first key is a `$` operator (`{ $gt: 1 }`). */
export function isOperatorDoc(value: unknown): value is Doc {
  if (!isPlainDoc(value)) return false;
  const first = Object.keys(value)[0];
  return first !== undefined && first.startsWith('$');
}

/** Numbers of any BSON numeric type as a JS number (may round). */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  switch (bsonTypeOf(value)) {
    case 'Long':
      return (value as { toNumber(): number }).toNumber();
    case 'Int32':
    case 'Double':
      return (value as { value: number }).value;
    case 'Decimal128':
      return Number(String(value));
    default:
      return undefined;
  }
}

/** True for values MongoDB compares as numbers. */
export function isNumeric(value: unknown): boolean {
  if (typeof value === 'number' || typeof value === 'bigint') return true;
  const tag = bsonTypeOf(value);
  return tag === 'Long' || tag === 'Int32' || tag === 'Double' || tag === 'Decimal128';
}
