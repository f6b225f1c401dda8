/**
 * MergeUsers' rule for properties: the secondary's traits deep-merged under
 * the primary's. Nested objects merge key by key, to any depth; wherever both
 * users hold a value at the same path and the two are not both objects, the
 * primary's stays whole (an array is a value: arrays are never combined).
 * Pure, so that it can be checked against a model without a database.
 */
import type { JsonObject, JsonValue } from '../users/model.ts';

/** The merged properties, and the paths where the primary's value won over a different one. */
export interface PropertiesMerge {
  readonly merged: JsonObject;
  /** Dotted paths below `properties`, e.g. "properties.address.city", sorted. */
  readonly conflicts: readonly string[];
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Structural equality of two JSON values (object key order does not matter). */
export function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]!));
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key]!, b[key]!));
  }
  return false;
}

function mergeInto(primary: JsonObject, secondary: JsonObject, path: string, conflicts: string[]): JsonObject {
  // Prototype-less, like every object the service decodes: a key such as
  // "__proto__" is data here.
  const merged = Object.create(null) as JsonObject;
  for (const [key, value] of Object.entries(primary)) merged[key] = value;
  for (const [key, theirs] of Object.entries(secondary)) {
    const ours = Object.hasOwn(primary, key) ? primary[key] : undefined;
    const at = `${path}.${key}`;
    if (ours === undefined) merged[key] = theirs;
    else if (isObject(ours) && isObject(theirs)) merged[key] = mergeInto(ours, theirs, at, conflicts);
    else if (!jsonEqual(ours, theirs)) conflicts.push(at);
  }
  return merged;
}

/**
 * Deep-merges `secondary` under `primary`. Keys never hold "." (validation
 * refuses it), so the dotted paths name one place each.
 */
export function mergeProperties(primary: JsonObject, secondary: JsonObject): PropertiesMerge {
  const conflicts: string[] = [];
  const merged = mergeInto(primary, secondary, 'properties', conflicts);
  return { merged, conflicts: conflicts.sort() };
}
