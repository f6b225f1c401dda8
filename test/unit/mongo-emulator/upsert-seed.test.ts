import { describe, it, expect } from 'vitest';
import { ObjectId } from 'bson';
import { idSeedFromFilter, seedFromFilter } from '../../../src/mongo-emulator/update/upsert-seed.ts';
import { CommandError } from '../../../src/mongo-emulator/errors.ts';

// MongoDB manual, "upsert behavior": the new document starts from the
// equality clauses of the query, then the update operators apply.
describe('seedFromFilter', () => {
  it('copies top-level equality fields, including _id', () => {
    const id = new ObjectId();
    expect(seedFromFilter({ _id: id, email: 'a@x' })).toEqual({ _id: id, email: 'a@x' });
  });

  it('turns dotted paths into nested fields', () => {
    expect(seedFromFilter({ 'profile.name': 'Ada', 'profile.age': 36 })).toEqual({ profile: { name: 'Ada', age: 36 } });
  });

  it('counts $eq and the equalities inside $and', () => {
    expect(seedFromFilter({ a: { $eq: 1 }, $and: [{ b: 2 }, { c: { $eq: 3 } }] })).toEqual({ a: 1, b: 2, c: 3 });
  });

  it('ignores comparison operators, $or and regular expressions', () => {
    expect(seedFromFilter({ a: { $gt: 1 }, $or: [{ b: 1 }], c: /x/ })).toEqual({});
  });

  it('keeps embedded documents given as equality values whole', () => {
    expect(seedFromFilter({ key: { tenant: 't', id: 1 } })).toEqual({ key: { tenant: 't', id: 1 } });
  });

  it('fails with 54 NotSingleValueField when a path is matched twice', () => {
    expect(() => seedFromFilter({ a: 1, 'a.b': 2 })).toThrowError(CommandError);
    try {
      seedFromFilter({ $and: [{ a: 1 }, { a: 2 }] });
      expect.unreachable();
    } catch (error) {
      expect((error as CommandError).code).toBe(54);
    }
  });
});

describe('idSeedFromFilter (replacement upserts)', () => {
  it('takes only _id from the filter', () => {
    expect(idSeedFromFilter({ _id: 7, name: 'x' })).toEqual({ _id: 7 });
    expect(idSeedFromFilter({ name: 'x' })).toEqual({});
  });
});
