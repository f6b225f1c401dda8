import { describe, it, expect } from 'vitest';
import { Binary, Decimal128, Long, ObjectId, UUID } from 'bson';
import { canonicalKey, NULL_KEY } from '../../../src/mongo-emulator/bson/canonical-key.ts';
import { compareValues } from '../../../src/mongo-emulator/bson/bson-order.ts';

describe('canonicalKey', () => {
  it('tells numbers and strings apart (1 and "1" are two _ids)', () => {
    expect(canonicalKey(1)).not.toBe(canonicalKey('1'));
  });

  it('gives numerically equal values of every BSON numeric type one key', () => {
    expect(canonicalKey(1)).toBe(canonicalKey(1.0));
    expect(canonicalKey(1)).toBe(canonicalKey(Long.fromNumber(1)));
    expect(canonicalKey(2 ** 60)).toBe(canonicalKey(Long.fromBigInt(2n ** 60n)));
    expect(canonicalKey(Decimal128.fromString('5'))).toBe(canonicalKey(5));
    expect(canonicalKey(1.5)).not.toBe(canonicalKey(1));
  });

  it('keys ObjectIds by their bytes', () => {
    const id = new ObjectId();
    expect(canonicalKey(new ObjectId(id.toHexString()))).toBe(canonicalKey(id));
    expect(canonicalKey(id)).not.toBe(canonicalKey(id.toHexString()));
  });

  it('keys binary data by subtype and bytes (a UUID is subtype 4)', () => {
    const uuid = new UUID();
    expect(canonicalKey(new Binary(uuid.buffer, 4))).toBe(canonicalKey(uuid));
    expect(canonicalKey(new Binary(uuid.buffer, 0))).not.toBe(canonicalKey(uuid));
  });

  it('keeps field order of embedded documents significant, as MongoDB does', () => {
    expect(canonicalKey({ a: 1, b: 2 })).toBe(canonicalKey({ a: 1, b: 2 }));
    expect(canonicalKey({ a: 1, b: 2 })).not.toBe(canonicalKey({ b: 2, a: 1 }));
  });

  it('maps null and missing to the same key', () => {
    expect(canonicalKey(null)).toBe(NULL_KEY);
    expect(canonicalKey(undefined)).toBe(NULL_KEY);
  });

  it('distinguishes dates, booleans and strings that print alike', () => {
    const keys = [new Date(0), 0, false, '0', 'false'].map(canonicalKey);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('compareValues (MongoDB sort order)', () => {
  it('orders types: null < numbers < strings < objects < arrays < binData < ObjectId < booleans < dates', () => {
    const ordered = [null, 5, 'a', { a: 1 }, [1], new Binary(Buffer.from([1])), new ObjectId(), false, new Date(0)];
    const shuffled = [...ordered].reverse();
    expect(shuffled.sort(compareValues)).toEqual(ordered);
  });

  it('compares numbers of different BSON types by value', () => {
    expect(compareValues(Long.fromNumber(10), 9)).toBeGreaterThan(0);
    expect(compareValues(2, Long.fromNumber(10))).toBeLessThan(0);
    expect(compareValues(Long.fromNumber(3), 3.0)).toBe(0);
  });

  it('orders ObjectIds by their bytes (creation time first)', () => {
    const early = new ObjectId('000000010000000000000000');
    const late = new ObjectId('ffffffff0000000000000000');
    expect(compareValues(early, late)).toBeLessThan(0);
  });
});
