/**
 * MongoDB's comparison order for BSON values, used for `sort`. Values of
 * different types order by type (MinKey < null < numbers < strings <
 * documents < arrays < binary < ObjectId < booleans < dates < timestamps <
 * regular expressions < MaxKey); numbers of every BSON type compare by value.
 * See "Comparison/Sort Order" in MongoDB's manual.
 */
import { bsonTypeOf, isNumeric, isPlainDoc, toNumber } from './bson-types.ts';

/** Rank of a value's type in MongoDB's cross-type order. */
export function typeRank(value: unknown): number {
  if (value === null || value === undefined) return 2;
  if (isNumeric(value)) return 3;
  if (typeof value === 'string') return 4;
  if (typeof value === 'boolean') return 9;
  if (value instanceof Date) return 10;
  if (value instanceof RegExp) return 12;
  if (Array.isArray(value)) return 6;
  switch (bsonTypeOf(value)) {
    case 'MinKey':
      return 1;
    case 'BSONSymbol':
      return 4;
    case 'Binary':
      return 7;
    case 'ObjectId':
      return 8;
    case 'Timestamp':
      return 11;
    case 'BSONRegExp':
      return 12;
    case 'MaxKey':
      return 13;
    default:
      return 5;
  }
}

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

function compareNumbers(a: unknown, b: unknown): number {
  if (bsonTypeOf(a) === 'Long' && bsonTypeOf(b) === 'Long') {
    return (a as { compare(other: unknown): number }).compare(b);
  }
  const x = toNumber(a) ?? 0;
  const y = toNumber(b) ?? 0;
  if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : -1; // NaN sorts below all numbers
  if (Number.isNaN(y)) return 1;
  return sign(x - y) || (x < y ? -1 : x > y ? 1 : 0);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const size = Math.min(a.length, b.length);
  for (let i = 0; i < size; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return sign(diff);
  }
  return sign(a.length - b.length);
}

/**
 * Orders UTF-16 code units so that comparing them gives code point order,
 * which is the order of the UTF-8 bytes MongoDB compares: surrogates (code
 * points above U+FFFF) move above U+E000..U+FFFF.
 */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/** Compares strings as MongoDB does without a collation: by UTF-8 bytes. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const size = Math.min(a.length, b.length);
  for (let i = 0; i < size; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return sign(codePointRank(x) - codePointRank(y));
  }
  return sign(a.length - b.length);
}

function compareDocs(a: Record<string, unknown>, b: Record<string, unknown>): number {
  const ea = Object.entries(a);
  const eb = Object.entries(b);
  const size = Math.min(ea.length, eb.length);
  for (let i = 0; i < size; i++) {
    const [ka, va] = ea[i] as [string, unknown];
    const [kb, vb] = eb[i] as [string, unknown];
    const byType = sign(typeRank(va) - typeRank(vb));
    if (byType !== 0) return byType;
    const byName = compareStrings(ka, kb);
    if (byName !== 0) return byName;
    const byValue = compareValues(va, vb);
    if (byValue !== 0) return byValue;
  }
  return sign(ea.length - eb.length);
}

function compareSameRank(rank: number, a: unknown, b: unknown): number {
  switch (rank) {
    case 2:
    case 1:
    case 13:
      return 0;
    case 3:
      return compareNumbers(a, b);
    case 4:
      return compareStrings(String(a), String(b));
    case 5:
      return isPlainDoc(a) && isPlainDoc(b) ? compareDocs(a, b) : 0;
    case 6: {
      const xs = a as unknown[];
      const ys = b as unknown[];
      for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
        const c = compareValues(xs[i], ys[i]);
        if (c !== 0) return c;
      }
      return sign(xs.length - ys.length);
    }
    case 7: {
      const x = a as { sub_type: number; buffer: Uint8Array };
      const y = b as { sub_type: number; buffer: Uint8Array };
      return sign(x.buffer.length - y.buffer.length) || sign(x.sub_type - y.sub_type) || compareBytes(x.buffer, y.buffer);
    }
    case 8:
      return compareStrings((a as { toHexString(): string }).toHexString(), (b as { toHexString(): string }).toHexString());
    case 9:
      return sign(Number(a) - Number(b));
    case 10:
      return sign((a as Date).getTime() - (b as Date).getTime());
    case 11:
      return (a as { compare(other: unknown): number }).compare(b);
    default:
      return compareStrings(String(a), String(b));
  }
}

/** Compares two BSON values in MongoDB's order: negative, zero or positive. */
export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return sign(ra - rb);
  return compareSameRank(ra, a, b);
}
