/**
 * ListUsers page tokens: opaque to callers, base64url of a small versioned
 * JSON document, so the format can change without breaking tokens in flight
 * (a new version is decoded beside the old one).
 */
import { AppError } from '../errors/app-error.ts';
import { checkUserId } from './validation/strings.ts';
import { Violations } from '../errors/violations.ts';
import { decodeTokenBody, encodeTokenBody, refuseToken } from '../paging/token-body.ts';

/** The current token format. */
const VERSION = 1;

/** Longest token accepted: a 256-character id of 4-byte characters, encoded, fits with room. */
export const MAX_PAGE_TOKEN = 2048;


/** The token that resumes a listing after the user `lastId`. */
export function encodePageToken(lastId: string): string {
  return encodeTokenBody({ v: VERSION, after: lastId });
}

/**
 * What a token holds, or why it is not one this service issued. Reports
 * into `v` under `field` so that ListUsers lists all its problems at once.
 */
export function readPageToken(token: string, field: string, v: Violations): { after: string } | undefined {
  const bad = (why: string): undefined => refuseToken(v, field, why);
  const decoded = decodeTokenBody(token, MAX_PAGE_TOKEN, VERSION);
  if ('problem' in decoded) return bad(decoded.problem);
  const { after } = decoded.body;
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
