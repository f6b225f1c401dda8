/**
 * Deep copies of documents. BSON class instances (ObjectId, Long, Binary,
 * ...) are immutable in practice and shared; plain documents, arrays and
 * dates are copied, so a stored version never aliases a caller's object.
 */
import { isPlainDoc, type Doc } from './bson-types.ts';

/** A deep copy of any BSON value. */
export function cloneValue<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(cloneValue) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (isPlainDoc(value)) {
    const copy: Doc = {};
    for (const [key, field] of Object.entries(value)) copy[key] = cloneValue(field);
    return copy as T;
  }
  return value;
}

/** A deep copy of a document. */
export function cloneDoc(doc: Doc): Doc {
  return cloneValue(doc);
}
