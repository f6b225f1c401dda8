/**
 * API keys: how one is made, how it is stored (only its SHA-256), and how it
 * is read from a call's `authorization: Bearer <key>` metadata. The key
 * itself exists once, on the operator's screen when it is created; nothing
 * here logs or keeps it.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Every key starts with this, so a leaked key is easy to recognise (secret scanners, logs). */
export const API_KEY_PREFIX = 'hk_';

/** Random bytes behind a key: 256 bits, beyond guessing, so a plain SHA-256 is a safe thing to store. */
const KEY_BYTES = 32;

/** A new random key: the prefix and 32 random bytes in base64url (43 characters). */
export function newApiKey(): string {
  return API_KEY_PREFIX + randomBytes(KEY_BYTES).toString('base64url');
}

/** The SHA-256 of a key, in lowercase hex: what the callers file stores in place of the key. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * RFC 6750 `Bearer <token68>`: the scheme in any case, one or more spaces,
 * then the token's characters (no spaces, no commas, no quotes).
 */
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * The key in `authorization: Bearer <key>` metadata values, or undefined (no
 * header, another scheme, malformed). Case-insensitive scheme. More than one
 * `authorization` value is malformed too: which one counts would be a guess.
 */
export function bearerKey(values: readonly (string | Buffer)[]): string | undefined {
  if (values.length !== 1) return undefined;
  const [value] = values;
  const text = typeof value === 'string' ? value : value?.toString('latin1');
  if (text === undefined) return undefined;
  return BEARER.exec(text.trim())?.[1];
}
