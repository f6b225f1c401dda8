/**
 * ListMessages and ListActivities page tokens: opaque to callers,
 * base64url of a small versioned JSON document holding the position (the
 * last item's time and id) and a digest of what was listed (the recipient
 * and filters, or the message). A token is refused for another listing
 * rather than silently skipping or repeating items there.
 */
import { createHash } from 'node:crypto';
import type { Violations } from '../errors/violations.ts';
import { decodeTokenBody, encodeTokenBody, refuseToken } from '../paging/token-body.ts';
import type { ListPosition, MessageFilters } from './model.ts';

/** The current token format. */
const VERSION = 1;

/** Longest token accepted: a real one is about 120 characters. */
export const MAX_LIST_TOKEN = 512;

const OBJECT_ID = /^[0-9a-f]{24}$/;
/** The range of a JavaScript Date, in milliseconds either side of the epoch. */
const MAX_TIME_MS = 8.64e15;

/**
 * A short digest naming a listing: equal for equal `what`, different (with
 * overwhelming probability) otherwise. The token carries it instead of the
 * filters themselves, so it stays small and holds no caller value.
 */
export function listScope(what: unknown): string {
  return createHash('sha256').update(JSON.stringify(what), 'utf8').digest('base64url').slice(0, 22);
}

/** The token that resumes the listing `scope` after `position`. */
export function encodeListToken(position: ListPosition, scope: string): string {
  return encodeTokenBody({ v: VERSION, at: position.at.getTime(), id: position.id, q: scope });
}

/**
 * The position a token resumes after, or undefined with a violation under
 * `field` when it is not a token this service issued for the listing
 * `scope`: not base64url (canonical), not JSON, another version, a bad
 * position, or another listing's token.
 */
export function readListToken(token: string, field: string, scope: string, v: Violations): ListPosition | undefined {
  const bad = (why: string): undefined => refuseToken(v, field, why);
  const decoded = decodeTokenBody(token, MAX_LIST_TOKEN, VERSION);
  if ('problem' in decoded) return bad(decoded.problem);
  const { at, id, q } = decoded.body;
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || Math.abs(at) > MAX_TIME_MS) return bad('bad position');
  if (typeof id !== 'string' || !OBJECT_ID.test(id)) return bad('bad position');
  if (q !== scope) {
    return bad('issued for another listing: send the same recipient and filters, or message, as for the first page');
  }
  return { at: new Date(at), id };
}

/** The listing a ListMessages token belongs to: the recipient and every filter. */
export function messagesScope(recipientId: string, filters: MessageFilters): string {
  const { channelId, seen, read, archived } = filters;
  return listScope(['messages', recipientId, channelId ?? null, seen ?? null, read ?? null, archived ?? null]);
}

/** The listing a ListActivities token belongs to: the message. */
export function activitiesScope(messageId: string): string {
  return listScope(['activities', messageId]);
}
