import { describe, it, expect } from 'vitest';
import { ObjectId } from 'bson';
import { buildIndexDef, checkAgainstExisting, defaultIndexName } from '../../../src/mongo-emulator/storage/index-spec.ts';
import { duplicateKeyError, indexKeysOf } from '../../../src/mongo-emulator/storage/unique-index.ts';
import { CommandError } from '../../../src/mongo-emulator/errors.ts';

const emailIndex = buildIndexDef({ key: { email: 1 }, unique: true });

describe('index names', () => {
  it('joins each field and direction with _', () => {
    expect(defaultIndexName({ email: 1 })).toBe('email_1');
    expect(defaultIndexName({ tenant: 1, createdAt: -1 })).toBe('tenant_1_createdAt_-1');
  });
});

describe('indexKeysOf', () => {
  it('indexes a missing field as null, so two documents without it share a key', () => {
    const a = indexKeysOf(emailIndex, { _id: 1 });
    const b = indexKeysOf(emailIndex, { _id: 2, email: null });
    expect(a.map((k) => k.key)).toEqual(b.map((k) => k.key));
    expect(a[0]?.values).toEqual([null]);
  });

  it('gives one key per array element (multikey)', () => {
    expect(indexKeysOf(emailIndex, { email: ['a', 'b', 'a'] }).map((k) => k.values[0])).toEqual(['a', 'b']);
  });

  it('combines compound fields and reaches dotted paths', () => {
    const def = buildIndexDef({ key: { tenant: 1, 'profile.email': 1 }, unique: true });
    expect(indexKeysOf(def, { tenant: 't', profile: { email: 'x' } })[0]?.values).toEqual(['t', 'x']);
  });

  it('refuses two array fields in one compound key (171 CannotIndexParallelArrays)', () => {
    const def = buildIndexDef({ key: { a: 1, b: 1 }, unique: true });
    expect(() => indexKeysOf(def, { a: [1, 2], b: [3, 4] })).toThrowError(/parallel arrays/);
  });

  it('skips documents outside a partial filter or, for sparse indexes, missing the fields', () => {
    const partial = buildIndexDef({ key: { email: 1 }, unique: true, partialFilterExpression: { email: { $exists: true } } });
    expect(indexKeysOf(partial, { _id: 1 })).toEqual([]);
    const sparse = buildIndexDef({ key: { email: 1 }, unique: true, sparse: true });
    expect(indexKeysOf(sparse, { _id: 1 })).toEqual([]);
    expect(indexKeysOf(sparse, { email: 'a' })).toHaveLength(1);
  });

  it('treats numerically equal values as one key and types apart otherwise', () => {
    expect(indexKeysOf(emailIndex, { email: 1 })[0]?.key).toBe(indexKeysOf(emailIndex, { email: 1.0 })[0]?.key);
    expect(indexKeysOf(emailIndex, { email: 1 })[0]?.key).not.toBe(indexKeysOf(emailIndex, { email: '1' })[0]?.key);
  });
});

describe('duplicateKeyError', () => {
  it('reads like MongoDB: E11000 ... index: name dup key: { field: value }, with keyPattern and keyValue', () => {
    const key = indexKeysOf(emailIndex, { email: 'x@y.z' })[0];
    const error = duplicateKeyError('db.users', emailIndex, key as NonNullable<typeof key>);
    expect(error.code).toBe(11000);
    expect(error.message).toBe('E11000 duplicate key error collection: db.users index: email_1 dup key: { email: "x@y.z" }');
    expect(error.fields).toEqual({ keyPattern: { email: 1 }, keyValue: { email: 'x@y.z' } });
  });

  it('prints ObjectIds as ObjectId(...)', () => {
    const id = new ObjectId();
    const def = buildIndexDef({ key: { _id: 1 }, name: '_id_' });
    const error = duplicateKeyError('db.c', def, { key: 'k', values: [id] });
    expect(error.message).toContain(`dup key: { _id: ObjectId('${id.toHexString()}') }`);
  });
});

describe('createIndexes conflicts', () => {
  it('treats an identical spec as existing, and a name reused for other keys as 86', () => {
    expect(checkAgainstExisting([emailIndex], buildIndexDef({ key: { email: 1 }, unique: true }))).toBe('exists');
    try {
      checkAgainstExisting([emailIndex], buildIndexDef({ key: { other: 1 }, name: 'email_1' }));
      expect.unreachable();
    } catch (error) {
      expect((error as CommandError).code).toBe(86);
    }
  });

  it('rejects the same name with other options as 85', () => {
    try {
      checkAgainstExisting([emailIndex], buildIndexDef({ key: { email: 1 } }));
      expect.unreachable();
    } catch (error) {
      expect((error as CommandError).code).toBe(85);
    }
  });

  it('rejects index options it does not implement instead of ignoring them', () => {
    expect(() => buildIndexDef({ key: { a: 1 }, expireAfterSeconds: 5 })).toThrowError(/not supported/);
    expect(() => buildIndexDef({ key: { a: 'text' } })).toThrowError(/not supported/);
  });
});
