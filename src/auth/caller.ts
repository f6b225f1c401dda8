/**
 * Who is calling, once authenticated: a name that log lines and audit lines
 * carry (a key's name or a certificate's identity, never the key), a role,
 * and how the caller proved it.
 */
import type { Role } from './roles.ts';

export interface Caller {
  /** The key's name in the callers file, or the certificate's identity (its URI or DNS SAN). */
  readonly name: string;
  readonly role: Role;
  readonly via: 'api-key' | 'certificate';
}

/**
 * The metadata key under which the auth interceptor hands the caller to the
 * handlers (`via:name`). It is always set or removed by the interceptor
 * itself, so a value a client sends under it never survives.
 */
export const CALLER_METADATA_KEY = 'x-herald-authenticated-caller';
