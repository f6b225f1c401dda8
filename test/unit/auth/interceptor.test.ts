import { Metadata, status } from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { accessOf, decideAccess, type AccessPolicy, type CallerDirectory } from '../../../src/auth/access.ts';
import type { Caller } from '../../../src/auth/caller.ts';
import { CALLER_METADATA_KEY } from '../../../src/auth/caller.ts';
import { callerFromMetadata, callerHeaderValue } from '../../../src/auth/caller-header.ts';
import { RateLimiter } from '../../../src/auth/rate-limit.ts';
import { ROLES, type Role } from '../../../src/auth/roles.ts';
import { toStatus } from '../../../src/errors/grpc-status.ts';
import { RetryInfo } from '../../../src/gen/google/rpc/error_details.js';

const KEYS: Record<string, Caller> = {
  'key-reader': { name: 'reporting', role: 'reader', via: 'api-key' },
  'key-writer': { name: 'ingest', role: 'writer', via: 'api-key' },
  'key-admin': { name: 'ops', role: 'admin', via: 'api-key' },
};
const CERTS: Record<string, Caller> = {
  'spiffe://herald.test/billing': { name: 'spiffe://herald.test/billing', role: 'writer', via: 'certificate' },
};
const directory: CallerDirectory = {
  lookupKey: (key) => KEYS[key],
  lookupCertificate: (identity) => CERTS[identity],
};
/** A fake verified certificate: its identity is its `subject.CN` here. */
const cert = (identity: string) => ({ subject: { CN: identity } }) as unknown as PeerCertificate;
const policy: AccessPolicy = {
  callers: directory,
  identityOf: (c) => (c.subject as { CN?: string }).CN || undefined,
  reflection: 'authenticated',
};

const bearer = (key: string): Metadata => {
  const md = new Metadata();
  md.set('authorization', `Bearer ${key}`);
  return md;
};

const CLASSES: Record<Role, string> = {
  reader: '/herald.users.v1.UsersService/GetUser',
  writer: '/herald.users.v1.UsersService/StreamIdentifyUsers',
  admin: '/herald.users.v1.UsersService/MergeUsers',
};

describe('decideAccess', () => {
  for (const role of ROLES) {
    for (const needed of ROLES) {
      const allowed = ROLES.indexOf(role) >= ROLES.indexOf(needed);
      it(`${role} ${allowed ? 'may' : 'may not'} call a ${needed} method`, () => {
        const decision = decideAccess(CLASSES[needed], bearer(`key-${role}`), undefined, policy);
        expect(decision.allowed).toBe(allowed);
        if (!decision.allowed) {
          expect(decision.error.code).toBe(status.PERMISSION_DENIED);
          expect(decision.error.reason).toBe('ROLE_NOT_ALLOWED');
          expect(decision.error.metadata).toEqual({ method: CLASSES[needed], role, required_role: needed });
        } else expect(decision.caller?.role).toBe(role);
      });
    }
  }

  it('no credentials: UNAUTHENTICATED / CREDENTIALS_MISSING', () => {
    const decision = decideAccess(CLASSES.reader, new Metadata(), undefined, policy);
    expect(decision).toMatchObject({ allowed: false, error: { code: status.UNAUTHENTICATED, reason: 'CREDENTIALS_MISSING' } });
  });

  it.each([
    ['an unknown key', bearer('key-nobody')],
    ['another scheme', (() => { const md = new Metadata(); md.set('authorization', 'Basic dXNlcjpwYXNz'); return md; })()],
    ['two authorization values', (() => { const md = bearer('key-admin'); md.add('authorization', 'Bearer key-admin'); return md; })()],
  ])('%s: UNAUTHENTICATED / INVALID_CREDENTIALS, never naming the key', (_name, md) => {
    const decision = decideAccess(CLASSES.reader, md, undefined, policy);
    expect(decision).toMatchObject({ allowed: false, error: { code: status.UNAUTHENTICATED, reason: 'INVALID_CREDENTIALS' } });
    if (!decision.allowed) expect(JSON.stringify(toStatus(decision.error))).not.toMatch(/key-|dXNlcjpwYXNz/);
  });

  it('a client certificate in the callers file authenticates; an unlisted one or one without identity does not', () => {
    expect(decideAccess(CLASSES.writer, new Metadata(), cert('spiffe://herald.test/billing'), policy)).toMatchObject({
      allowed: true,
      caller: { name: 'spiffe://herald.test/billing', via: 'certificate' },
    });
    expect(decideAccess(CLASSES.writer, new Metadata(), cert('spiffe://herald.test/stranger'), policy)).toMatchObject({
      allowed: false,
      error: { reason: 'INVALID_CREDENTIALS' },
    });
    expect(decideAccess(CLASSES.writer, new Metadata(), cert(''), policy)).toMatchObject({ allowed: false, error: { reason: 'INVALID_CREDENTIALS' } });
  });

  it('a bad bearer key is refused even with a good client certificate; a good key wins over the certificate', () => {
    const good = cert('spiffe://herald.test/billing');
    expect(decideAccess(CLASSES.reader, bearer('key-nobody'), good, policy)).toMatchObject({ allowed: false, error: { reason: 'INVALID_CREDENTIALS' } });
    expect(decideAccess(CLASSES.admin, bearer('key-admin'), good, policy)).toMatchObject({ allowed: true, caller: { name: 'ops' } });
  });

  it('health is open to anyone, even with bad credentials', () => {
    expect(decideAccess('/grpc.health.v1.Health/Check', new Metadata(), undefined, policy)).toEqual({ allowed: true, caller: undefined });
    expect(decideAccess('/grpc.health.v1.Health/Watch', bearer('bad'), undefined, policy).allowed).toBe(true);
  });

  it('reflection follows REFLECTION', () => {
    const path = '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo';
    expect(decideAccess(path, new Metadata(), undefined, policy)).toMatchObject({ allowed: false, error: { reason: 'CREDENTIALS_MISSING' } });
    expect(decideAccess(path, bearer('key-reader'), undefined, policy).allowed).toBe(true);
    expect(decideAccess(path, new Metadata(), undefined, { ...policy, reflection: 'open' }).allowed).toBe(true);
    expect(accessOf(path, 'off')).toBeUndefined();
    expect(decideAccess(path, bearer('key-admin'), undefined, { ...policy, reflection: 'off' })).toMatchObject({
      allowed: false,
      error: { reason: 'ROLE_NOT_ALLOWED' },
    });
  });

  it('fails closed on a method the table does not know, with or without authentication', () => {
    const path = '/herald.users.v1.UsersService/DropEverything';
    expect(decideAccess(path, bearer('key-admin'), undefined, policy)).toMatchObject({
      allowed: false,
      error: { code: status.PERMISSION_DENIED, reason: 'ROLE_NOT_ALLOWED', metadata: { required_role: 'none', role: 'admin' } },
    });
    expect(decideAccess(path, new Metadata(), undefined, { ...policy, callers: undefined })).toMatchObject({ allowed: false });
  });

  it('without authentication configured every known method is allowed, credentials ignored', () => {
    const open = { ...policy, callers: undefined };
    for (const path of Object.values(CLASSES)) {
      expect(decideAccess(path, new Metadata(), undefined, open)).toEqual({ allowed: true, caller: undefined });
      expect(decideAccess(path, bearer('anything'), undefined, open).allowed).toBe(true);
    }
  });

  it('rate limited: RESOURCE_EXHAUSTED / RATE_LIMITED with a RetryInfo detail', () => {
    let now = 0;
    const limiter = new RateLimiter({ admin: { perSecond: 4, burst: 1 } }, () => now);
    const limited = { ...policy, limiter };
    expect(decideAccess(CLASSES.admin, bearer('key-admin'), undefined, limited).allowed).toBe(true);
    const decision = decideAccess(CLASSES.admin, bearer('key-admin'), undefined, limited);
    expect(decision).toMatchObject({ allowed: false, error: { code: status.RESOURCE_EXHAUSTED, reason: 'RATE_LIMITED', retryDelayMs: 250 } });
    if (decision.allowed) return;
    const retry = toStatus(decision.error).details.find((d) => d.typeUrl === 'type.googleapis.com/google.rpc.RetryInfo');
    expect(RetryInfo.decode(retry!.value).retryDelay).toEqual({ seconds: 0, nanos: 250_000_000 });
    // Other classes, and the role check before it, are untouched.
    expect(decideAccess(CLASSES.reader, bearer('key-admin'), undefined, limited).allowed).toBe(true);
    expect(decideAccess(CLASSES.admin, bearer('key-reader'), undefined, limited)).toMatchObject({ error: { reason: 'ROLE_NOT_ALLOWED' } });
    now = 250;
    expect(decideAccess(CLASSES.admin, bearer('key-admin'), undefined, limited).allowed).toBe(true);
  });
});

describe('the caller header', () => {
  it('round-trips a name with colons (a URI identity)', () => {
    const md = new Metadata();
    md.set(CALLER_METADATA_KEY, callerHeaderValue(CERTS['spiffe://herald.test/billing']!));
    expect(callerFromMetadata(md)).toEqual({ name: 'spiffe://herald.test/billing', via: 'certificate' });
  });

  it('ignores values the interceptor would not write', () => {
    const md = new Metadata();
    md.set(CALLER_METADATA_KEY, 'root');
    expect(callerFromMetadata(md)).toBeUndefined();
  });
});
