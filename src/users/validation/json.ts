import type { JsonObject, JsonValue } from '../model.ts';
import { hasLoneSurrogate } from './strings.ts';
import { codePoints, objectPath, quote, type Violations } from '../../errors/violations.ts';

/** Limits for one free-form JSON object (properties, channel data). */
export interface JsonLimits {
  /** Most levels of nesting; the top-level object is level 1. */
  readonly maxDepth: number;
  /** Most bytes of the value as UTF-8 JSON (`JSON.stringify`). */
  readonly maxBytes: number;
}

/** Longest object key, in code points. */
export const MAX_KEY = 256;

/** User properties: 32 KiB and 8 levels, as the proto documents. */
export const PROPERTIES_LIMITS: JsonLimits = { maxDepth: 8, maxBytes: 32 * 1024 };
/** Channel data: 16 KiB and 8 levels, as the proto documents. */
export const CHANNEL_DATA_LIMITS: JsonLimits = { maxDepth: 8, maxBytes: 16 * 1024 };

/**
 * What is wrong with an object key, or undefined when nothing is. Keys are
 * 1 to 256 code points, do not start with "$" (MongoDB operators) and hold
 * no "." (MongoDB paths), no NUL (BSON C strings) and no lone surrogate
 * (not encodable). Other control characters harm nothing and are allowed.
 */
export function keyProblem(key: string): string | undefined {
  if (key === '') return 'a key may not be empty';
  const problems: string[] = [];
  const length = codePoints(key);
  if (length > MAX_KEY) problems.push(`is ${length} characters long (at most ${MAX_KEY})`);
  if (key.startsWith('$')) problems.push('starts with "$"');
  if (key.includes('.')) problems.push('contains "."');
  if (key.includes('\u0000')) problems.push('contains NUL');
  if (hasLoneSurrogate(key)) problems.push('contains a lone surrogate');
  return problems.length === 0 ? undefined : `key ${quote(key)} ${problems.join(' and ')}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Copies one value, reporting every problem at its path. */
function walk(value: unknown, path: string, depth: number, limits: JsonLimits, v: Violations): JsonValue | undefined {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    v.add(path, 'INVALID_NUMBER', `numbers must be finite, got ${String(value)}`);
    return undefined;
  }
  const isArray = Array.isArray(value);
  if (!isArray && !isPlainObject(value)) {
    v.add(path, 'INVALID_VALUE', `has no JSON value (got ${value === undefined ? 'a value with no kind set' : typeof value})`);
    return undefined;
  }
  if (depth > limits.maxDepth) {
    v.add(path, 'TOO_DEEP', `nests objects and arrays more than ${limits.maxDepth} levels deep`);
    return undefined;
  }
  if (isArray) {
    const out: JsonValue[] = [];
    (value as unknown[]).forEach((item, i) => {
      const copy = walk(item, `${path}[${i}]`, depth + 1, limits, v);
      if (copy !== undefined) out.push(copy);
    });
    return out;
  }
  return walkObject(value as Record<string, unknown>, path, depth, limits, v);
}

function walkObject(
  value: Record<string, unknown>,
  path: string,
  depth: number,
  limits: JsonLimits,
  v: Violations,
): JsonObject {
  const entries: [string, JsonValue][] = [];
  for (const key of Object.keys(value)) {
    const childPath = objectPath(path, key);
    const problem = keyProblem(key);
    if (problem !== undefined) v.add(childPath, 'INVALID_KEY', problem);
    const copy = walk(value[key], childPath, depth + 1, limits, v);
    if (problem === undefined && copy !== undefined) entries.push([key, copy]);
  }
  // fromEntries defines own properties, so a "__proto__" key stays data.
  return Object.fromEntries(entries) as JsonObject;
}

/**
 * Checks a free-form JSON object (a google.protobuf.Struct as ts-proto
 * unwraps it) and returns a clean copy. Depth counts containers: the object
 * itself is level 1, each nested object or array one more, scalars nothing;
 * so `{"a": {"b": [1]}}` is 3 levels deep. Size is the UTF-8 length of its
 * JSON text, a stable measure the caller can compute too (BSON is of the
 * same order). Values are never quoted in descriptions: they may be
 * personal data. Returns undefined when anything was wrong.
 */
export function checkJsonObject(
  value: Record<string, unknown>,
  field: string,
  limits: JsonLimits,
  v: Violations,
): JsonObject | undefined {
  const before = v.count;
  const copy = walkObject(value, field, 1, limits, v);
  if (v.count > before) return undefined;
  const bytes = Buffer.byteLength(JSON.stringify(copy), 'utf8');
  if (bytes > limits.maxBytes) {
    v.add(field, 'TOO_LARGE', `is ${bytes} bytes as UTF-8 JSON, more than ${limits.maxBytes} (${limits.maxBytes / 1024} KiB)`);
    return undefined;
  }
  return copy;
}
