/**
 * The access decision for one call, as a pure function of the method, the
 * call's metadata and verified client certificate, and the policy: who is
 * calling (bearer key first, then the certificate), whether their role
 * allows the method, and whether their rate limit does. The interceptor
 * (interceptor.ts) only carries it out.
 */
import type { Metadata } from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import type { ReflectionMode } from '../config.ts';
import { AppError } from '../errors/app-error.ts';
import { bearerKey } from './api-keys.ts';
import type { Caller } from './caller.ts';
import { ANONYMOUS } from './caller-header.ts';
import type { RateLimiter } from './rate-limit.ts';
import { allows, METHOD_ACCESS, REFLECTION_PREFIXES, type Access, type Role } from './roles.ts';

/** Where callers are looked up: the callers file in force (reloaded in place). */
export interface CallerDirectory {
  lookupKey(key: string): Caller | undefined;
  lookupCertificate(identity: string): Caller | undefined;
}

/** What the decision depends on besides the call. */
export interface AccessPolicy {
  /** The callers file; undefined when no authentication is configured: every known method is allowed. */
  readonly callers: CallerDirectory | undefined;
  /** A verified client certificate's identity (its URI or DNS SAN). */
  readonly identityOf: (certificate: PeerCertificate) => string | undefined;
  readonly reflection: ReflectionMode;
  /** Per-caller rate limits; undefined or disabled: none. */
  readonly limiter?: RateLimiter | undefined;
}

/** The outcome: allowed (with the caller, when one was authenticated), or the error to end the call with. */
export type AccessDecision =
  | { readonly allowed: true; readonly caller: Caller | undefined }
  | { readonly allowed: false; readonly error: AppError; readonly caller: Caller | undefined };

/**
 * What a method needs: its row in METHOD_ACCESS, the REFLECTION setting for
 * the reflection services (authenticated means any role), and undefined for
 * a method the table does not know, which nobody may call (fail closed).
 */
export function accessOf(path: string, reflection: ReflectionMode): Access | undefined {
  if (Object.prototype.hasOwnProperty.call(METHOD_ACCESS, path)) return METHOD_ACCESS[path];
  if (REFLECTION_PREFIXES.some((prefix) => path.startsWith(prefix))) {
    if (reflection === 'open') return 'open';
    if (reflection === 'authenticated') return 'reader';
    return undefined;
  }
  return undefined;
}

/** Authenticates the call: a caller, an error (bad or unknown credentials), or undefined (none sent). */
export function authenticate(
  metadata: Metadata,
  certificate: PeerCertificate | undefined,
  policy: Pick<AccessPolicy, 'identityOf'> & { readonly callers: CallerDirectory },
): Caller | AppError | undefined {
  const authorization = metadata.get('authorization');
  if (authorization.length > 0) {
    // A bearer key, when sent, decides alone: a bad one is never rescued by a good certificate.
    const key = bearerKey(authorization);
    if (key === undefined) {
      return new AppError('INVALID_CREDENTIALS', 'the authorization metadata is not one `Bearer <key>` value');
    }
    return policy.callers.lookupKey(key) ?? new AppError('INVALID_CREDENTIALS', 'the API key is not known to the server (unknown or revoked)');
  }
  if (certificate !== undefined) {
    const identity = policy.identityOf(certificate);
    if (identity === undefined) {
      return new AppError('INVALID_CREDENTIALS', 'the client certificate has no subject alternative name of the kind the server reads as its identity');
    }
    return (
      policy.callers.lookupCertificate(identity) ??
      new AppError('INVALID_CREDENTIALS', 'the client certificate identity is not in the callers file', { metadata: { identity } })
    );
  }
  return undefined;
}

function denied(path: string, role: Role | 'none', needed: Role | 'none'): AppError {
  const message =
    needed === 'none'
      ? `${path} is not open to any caller`
      : `the role ${JSON.stringify(role)} may not call ${path}; it needs ${JSON.stringify(needed)}`;
  return new AppError('ROLE_NOT_ALLOWED', message, { metadata: { method: path, role, required_role: needed } });
}

/** Decides one call; see the module comment. */
export function decideAccess(
  path: string,
  metadata: Metadata,
  certificate: PeerCertificate | undefined,
  policy: AccessPolicy,
  options: { readonly rateLimit: boolean } = { rateLimit: true },
): AccessDecision {
  const needed = accessOf(path, policy.reflection);
  let caller: Caller | undefined;
  if (policy.callers !== undefined && needed !== 'open') {
    const found = authenticate(metadata, certificate, { identityOf: policy.identityOf, callers: policy.callers });
    if (found instanceof AppError) return { allowed: false, error: found, caller: undefined };
    if (found === undefined) {
      return {
        allowed: false,
        error: new AppError('CREDENTIALS_MISSING', `${path} needs credentials: an \`authorization: Bearer <key>\` header or a client certificate`),
        caller: undefined,
      };
    }
    caller = found;
  }
  if (needed === undefined) return { allowed: false, error: denied(path, caller?.role ?? 'none', 'none'), caller };
  if (needed === 'open') return { allowed: true, caller: undefined };
  if (caller !== undefined && !allows(caller.role, needed)) {
    return { allowed: false, error: denied(path, caller.role, needed), caller };
  }
  // A key and a certificate may carry the same name: the bucket tells them apart.
  const limited = options.rateLimit ? policy.limiter?.take(caller === undefined ? ANONYMOUS : `${caller.via}:${caller.name}`, needed) : undefined;
  if (limited !== undefined && !limited.allowed) {
    const seconds = (limited.retryAfterMs / 1000).toFixed(3);
    const error = new AppError('RATE_LIMITED', `rate limit for ${needed} calls reached; retry in ${seconds} s`, {
      metadata: { method: path, method_class: needed },
      retryDelayMs: limited.retryAfterMs,
    });
    return { allowed: false, error, caller };
  }
  return { allowed: true, caller };
}
