/**
 * Unique index keys: which keys a document contributes to an index and the
 * duplicate-key error MongoDB reports when two documents share one. A missing
 * field indexes as null (so two documents without the field collide, as in
 * MongoDB), an array field contributes one key per element (multikey), and a
 * compound index may have at most one array field.
 */
import { ObjectId } from 'bson';
import { bsonTypeOf, type Doc } from '../bson/bson-types.ts';
import { canonicalKey } from '../bson/canonical-key.ts';
import { valuesAtPath } from '../bson/paths.ts';
import { CommandError, ErrorCode } from '../errors.ts';
import type { IndexDef } from './index-spec.ts';

/** One key a document contributes to an index, with the values behind it. */
export interface IndexKey {
  readonly key: string;
  readonly values: readonly unknown[];
}

/** Whether the document is indexed at all (partial filter and sparse rules). */
export function isIndexed(def: IndexDef, doc: Doc): boolean {
  if (def.partialFilter !== undefined && !def.partialFilter.test(doc)) return false;
  if (def.sparse && def.fields.every((field) => valuesAtPath(doc, field, false).every((v) => v === undefined))) return false;
  return true;
}

/** The keys a document contributes to an index (none if it is not indexed). */
export function indexKeysOf(def: IndexDef, doc: Doc): IndexKey[] {
  if (!isIndexed(def, doc)) return [];
  const perField = def.fields.map((field) => {
    const values = valuesAtPath(doc, field, true);
    return values.length === 0 ? [null] : values.map((v) => (v === undefined ? null : v));
  });
  const multi = perField.map((values, i) => (values.length > 1 ? i : -1)).filter((i) => i >= 0);
  if (multi.length > 1) {
    const names = multi.map((i) => `[${def.fields[i] ?? ''}]`).join(' ');
    throw new CommandError(ErrorCode.CannotIndexParallelArrays, `cannot index parallel arrays ${names}`);
  }
  const arrayAt = multi[0] ?? -1;
  const variants = arrayAt < 0 ? [0] : (perField[arrayAt] as unknown[]).map((_, i) => i);
  const keys = new Map<string, IndexKey>();
  for (const variant of variants) {
    const values = perField.map((vs, i) => (i === arrayAt ? vs[variant] : vs[0]));
    const key = values.map(canonicalKey).join('|');
    keys.set(key, { key, values });
  }
  return [...keys.values()];
}

/** A value written the way MongoDB's error messages print it. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return `new Date(${value.getTime()})`;
  if (Array.isArray(value)) return `[ ${value.map(formatValue).join(', ')} ]`;
  const tag = bsonTypeOf(value);
  if (tag === 'ObjectId') return `ObjectId('${(value as ObjectId).toHexString()}')`;
  if (tag === 'Binary') return `UUID("${String((value as { toHexString?(): string }).toHexString?.() ?? '')}")`;
  if (tag !== undefined) return String(value);
  const entries = Object.entries(value as Doc).map(([k, v]) => `${k}: ${formatValue(v)}`);
  return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
}

/**
 * The E11000 error for a key that is already taken, shaped as MongoDB's:
 * `E11000 duplicate key error collection: db.coll index: email_1 dup key: { email: "x" }`
 * with `keyPattern` and `keyValue`.
 */
export function duplicateKeyError(namespace: string, def: IndexDef, key: IndexKey): CommandError {
  const keyValue: Doc = {};
  def.fields.forEach((field, i) => {
    keyValue[field] = key.values[i] ?? null;
  });
  const shown = def.fields.map((field, i) => `${field}: ${formatValue(key.values[i])}`).join(', ');
  return new CommandError(
    ErrorCode.DuplicateKey,
    `E11000 duplicate key error collection: ${namespace} index: ${def.name} dup key: { ${shown} }`,
    { fields: { keyPattern: { ...def.key }, keyValue } },
  );
}
