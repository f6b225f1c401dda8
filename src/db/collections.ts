/**
 * Server-made tokens stored with records.
 */
import { randomBytes } from 'node:crypto';

/**
 * A fresh opaque version token. Random rather than a counter so that a user
 * deleted and created again never repeats a version a caller still holds.
 */
export function newVersion(): string {
  return randomBytes(9).toString('base64url');
}

/**
 * A fresh incarnation id for a user document: set once when the document is
 * created and never changed, so that a user deleted and later identified
 * again under the same id is told apart from the one that was deleted
 * (messages that named the old one keep showing it as missing).
 */
export function newIncarnation(): string {
  return randomBytes(12).toString('base64url');
}
