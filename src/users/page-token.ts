/**
 * ListUsers page tokens: opaque to callers, base64url of a small versioned
 * JSON document, so the format can change without breaking tokens in flight
 * (a new version is decoded beside the old one).
 */
import { AppError } from '../errors/app-error.ts';
import { checkUserId } from './validation/strings.ts';
import { Violations } from '../errors/violations.ts';

/** The current token format. */
const VERSION = 1;

/** Longest token accepted: a 256-character id of 4-byte characters, encoded, fits with room. */
export const MAX_PAGE_TOKEN = 2048;

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The token that resumes a listing after the user `lastId`. */
export function encodePageToken(lastId: string): string {
  return Buffer.from(JSON.stringify({ v: VERSION, after: lastId }), 'utf8').toString('base64url');
}

/**
 * What a token holds, or why it is not one this service issued. Reports
 * into `v` under `field` so that ListUsers lists all its problems at once.
 */
export function readPageToken(token: string, field: string, v: Violations): { after: string } | undefined {
  const bad = (why: string): undefined => {
    v.add(field, 'INVALID_TOKEN', `is not a token this service issued (${why}); pass back next_page_token unchanged`);
    return undefined;
  };
  if (token.length > MAX_PAGE_TOKEN) return bad('too long');
  if (!BASE64URL.test(token)) return bad('not base64url');
  const bytes = Buffer.from(token, 'base64url');
  // Node's decoder skips stray bits: only the canonical encoding is ours.
  if (bytes.toString('base64url') !== token) return bad('not base64url');
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return bad('undecodable');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return bad('undecodable');
  const { v: version, after } = parsed as { v?: unknown; after?: unknown };
  if (version !== VERSION) return bad('unknown version');
  if (typeof after !== 'string') return bad('no position');
  const probe = new Violations();
  if (checkUserId(after, field, probe) === undefined) return bad('bad position');
  return { after };
}

/**
 * The position a token resumes after; throws INVALID_ARGUMENT (field
 * `page_token`, reason INVALID_TOKEN) for anything this service did not
 * issue: not base64url, not JSON, another version, or a bad user id.
 */
export function decodePageToken(token: string): { after: string } {
  const v = new Violations();
  const result = readPageToken(token, 'page_token', v);
  v.throwIfAny();
  if (result === undefined) throw AppError.internal(new Error('page token rejected without a violation'));
  return result;
}
