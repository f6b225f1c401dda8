import type { ViolationReason } from '../../errors/violation-reasons.ts';
import { codePoints, quote, type Violations } from '../../errors/violations.ts';

/** Longest user id, in code points. */
export const MAX_USER_ID = 256;
/** Longest display name, in code points. */
export const MAX_NAME = 256;
/** Longest channel id, preference set id, workflow or category key. */
export const MAX_SLUG = 128;

/** Characters allowed in channel ids, preference set ids and their keys. */
const SLUG = /^[A-Za-z0-9._:-]+$/;

/** True for C0 controls (U+0000–U+001F), DEL (U+007F) and C1 controls (U+0080–U+009F). */
export function hasControl(value: string): boolean {
  for (let i = 0; i < value.length; i += 1) {
    const c = value.charCodeAt(i);
    if (c <= 0x1f || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/** True for a UTF-16 surrogate without its pair: it cannot be UTF-8 encoded. */
export function hasLoneSurrogate(value: string): boolean {
  for (let i = 0; i < value.length; i += 1) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
      i += 1;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return true;
    }
  }
  return false;
}

/**
 * Control characters, or lone surrogates (which could never be stored or
 * sent back as UTF-8): neither belongs in an id, a name or an address.
 */
export function hasControlOrLoneSurrogate(value: string): boolean {
  return hasControl(value) || hasLoneSurrogate(value);
}

/**
 * Characters that show nothing: white space, format characters (U+200B
 * zero width space, U+2060 word joiner, U+FEFF, bidi marks...) and the
 * other default-ignorable code points.
 */
const INVISIBLE_ONLY = /^[\p{White_Space}\p{Cf}\p{Default_Ignorable_Code_Point}]*$/u;

/**
 * A free-text identifier or label: required, at most `max` code points, no
 * control characters, not blank. Blank (only invisible characters) counts as
 * missing: an id of "  " or "\u200B" is a caller bug, never a real id, and
 * nobody could tell two such ids apart. Values are neither trimmed nor
 * normalized: ids are opaque, compared by exact code points, so " u1" is
 * not "u1" and "e\u0301" is not "\u00e9".
 */
export function checkText(value: string, field: string, max: number, v: Violations): string | undefined {
  if (value === '') {
    v.add(field, 'REQUIRED', 'is required and may not be empty');
    return undefined;
  }
  const length = codePoints(value);
  if (length > max) {
    v.add(field, 'TOO_LONG', `must be at most ${max} characters, got ${length}`);
    return undefined;
  }
  if (hasControlOrLoneSurrogate(value)) {
    v.add(field, 'INVALID_CHARACTERS', `${quote(value)} contains a control character (U+0000–U+001F, U+007F–U+009F)`);
    return undefined;
  }
  if (INVISIBLE_ONLY.test(value)) {
    v.add(field, 'REQUIRED', 'may not be blank (only white space or other invisible characters)');
    return undefined;
  }
  return value;
}

/** A user id: 1 to 256 code points, no control characters, not blank. */
export function checkUserId(value: string, field: string, v: Violations): string | undefined {
  return checkText(value, field, MAX_USER_ID, v);
}

/** True for 1 to 128 characters from [A-Za-z0-9._:-]. */
export function isSlug(value: string): boolean {
  return value.length <= MAX_SLUG && SLUG.test(value);
}

/** What is wrong with a would-be slug, or undefined when nothing is. */
export function slugProblem(value: string, what: string): { reason: ViolationReason; description: string } | undefined {
  if (value === '') return { reason: 'REQUIRED', description: `the ${what} may not be empty` };
  if (value.length > MAX_SLUG) {
    return { reason: 'TOO_LONG', description: `the ${what} must be at most ${MAX_SLUG} characters, got ${codePoints(value)}` };
  }
  if (!SLUG.test(value)) {
    return { reason: 'INVALID_CHARACTERS', description: `the ${what} ${quote(value)} may only contain A-Z a-z 0-9 . _ : -` };
  }
  return undefined;
}

/** A channel id or preference set id: 1 to 128 characters from [A-Za-z0-9._:-]. */
export function checkSlug(value: string, field: string, v: Violations, what = 'value'): string | undefined {
  const problem = slugProblem(value, what);
  if (problem === undefined) return value;
  v.add(field, problem.reason, problem.description);
  return undefined;
}

/** Opaque version tokens this service issues: 1 to 64 of [A-Za-z0-9_-]. */
const VERSION = /^[A-Za-z0-9_-]{1,64}$/;

/** expected_version: undefined stays undefined; else it must look like a version. */
export function checkExpectedVersion(value: string | undefined, field: string, v: Violations): string | undefined {
  if (value === undefined) return undefined;
  if (!VERSION.test(value)) {
    v.add(
      field,
      'INVALID_TOKEN',
      value === ''
        ? 'is empty; leave it out for an unconditional write, or send the version the service returned'
        : `${quote(value)} is not a version this service issued (1 to 64 of A-Z a-z 0-9 _ -)`,
    );
    return undefined;
  }
  return value;
}
