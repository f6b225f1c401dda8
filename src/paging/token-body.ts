/**
 * The envelope of every page token this service issues: the canonical
 * base64url encoding of a small JSON object carrying its format version, so
 * that a format can change without breaking tokens in flight. What the
 * object holds belongs to each listing (users, messages, activities).
 */

import type { Violations } from '../errors/violations.ts';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Reports a page token this service did not issue, saying `why`, under `field`. */
export function refuseToken(v: Violations, field: string, why: string): undefined {
  v.add(field, 'INVALID_TOKEN', `is not a token this service issued (${why}); pass back next_page_token unchanged`);
  return undefined;
}

/** A token's JSON object, versioned. */
export function encodeTokenBody(body: { readonly v: number } & Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/**
 * The object a token carries, when it has the envelope of `version`; else
 * why not, in words for the caller: too long, not base64url (canonical: the
 * decoder would skip stray bits), undecodable, or another version.
 */
export function decodeTokenBody(
  token: string,
  maxLength: number,
  version: number,
): { readonly body: Record<string, unknown> } | { readonly problem: string } {
  if (token.length > maxLength) return { problem: 'too long' };
  if (!BASE64URL.test(token)) return { problem: 'not base64url' };
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.toString('base64url') !== token) return { problem: 'not base64url' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return { problem: 'undecodable' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { problem: 'undecodable' };
  const body = parsed as Record<string, unknown>;
  if (body['v'] !== version) return { problem: 'unknown version' };
  return { body };
}
