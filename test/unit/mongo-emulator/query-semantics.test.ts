import { describe, it, expect } from 'vitest';
import { Long, ObjectId } from 'bson';
import { compareStrings } from '../../../src/mongo-emulator/bson/bson-order.ts';
import { compileFilter } from '../../../src/mongo-emulator/query/filter.ts';
import { sortDocs } from '../../../src/mongo-emulator/query/sort.ts';
import { findAll, newServer, run } from './harness.ts';

// MongoDB compares strings by their UTF-8 bytes (no collation), numbers of
// every BSON type by value, and brackets range queries by type
// ("Comparison/Sort Order" and "Query Predicates" in the manual).

describe('string order', () => {
  it('follows UTF-8 bytes: a fullwidth letter (U+FF46) sorts before an emoji (U+1F600)', () => {
    expect(compareStrings('ｆ', '😀')).toBeLessThan(0);
    expect(compareStrings('Z', 'a')).toBeLessThan(0);
    expect(compareStrings('ab', 'abc')).toBeLessThan(0);
  });

  it('is used by $gt/$lt filters, so paging by _id agrees with sorting', () => {
    const ids = ['😀', 'ｆ', 'é', 'a', 'B'];
    const sorted = sortDocs(ids.map((_id) => ({ _id })), [['_id', 1]]).map((d) => d['_id']);
    expect(sorted).toEqual(['B', 'a', 'é', 'ｆ', '😀']);
    const after = compileFilter({ _id: { $gt: 'ｆ' } });
    expect(ids.filter((_id) => after({ _id }))).toEqual(['😀']);
  });
});

describe('range operators', () => {
  it('bracket by type: a numeric bound matches numbers only', () => {
    const gt = compileFilter({ v: { $gt: 1 } });
    expect([{ v: 2 }, { v: 'zz' }, { v: true }, { v: Long.fromNumber(5) }].map(gt)).toEqual([true, false, false, true]);
  });

  it('compare ObjectIds by their bytes and reach into arrays', () => {
    const low = new ObjectId('000000010000000000000000');
    const high = new ObjectId('ffffffff0000000000000000');
    expect(compileFilter({ _id: { $lt: high } })({ _id: low })).toBe(true);
    expect(compileFilter({ tags: { $gte: 5 } })({ tags: [1, 7] })).toBe(true);
  });
});

describe('$mergeObjects in update pipelines', () => {
  it('fails with 40400 on an operand that is not a document, and leaves the document', async () => {
    const server = newServer();
    await run(server, { insert: 'c', documents: [{ _id: 1, props: 'text' }] });
    const reply = await run(server, {
      update: 'c',
      updates: [{ q: { _id: 1 }, u: [{ $set: { props: { $mergeObjects: ['$props', { $literal: { a: 1 } }] } } }] }],
    });
    expect((reply['writeErrors'] as Array<Record<string, unknown>>)[0]).toMatchObject({ code: 40400 });
    expect(await findAll(server, 'c')).toEqual([{ _id: 1, props: 'text' }]);
  });
});
