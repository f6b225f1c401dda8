/**
 * Authentication and authorization end to end: a real server with a callers
 * file, keys made with newApiKey, each role against a method of each class
 * (streams included), the statuses' details decoded, a reloaded file taking
 * effect without a restart, and the log: the caller named, the key never.
 */
import { join } from 'node:path';
import { Metadata, status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { CALLER_METADATA_KEY } from '../../src/auth/caller.ts';
import { decodeStatusDetails } from '../../src/errors/grpc-status.ts';
import { BulkIdentifyUsersRequest } from '../../src/gen/herald/users/v1/users_service.js';
import { grpcError, startTestService } from './harness.ts';
import { bearer, makeKey, scratchFolder, writeCallersFile } from './auth-support.ts';

const dir = await scratchFolder('auth-test');
const callersFile = join(dir, 'callers.json');
const reader = makeKey('reporting', 'reader');
const writer = makeKey('ingest', 'writer');
const admin = makeKey('ops-oncall', 'admin');
await writeCallersFile(callersFile, [reader, writer, admin]);

const service = await startTestService({ app: { authCallersFile: callersFile } });
const { api } = service;
await api.identifyUser({ userId: 'seed', name: 'Seed', email: 'seed@example.com' }, bearer(writer.key));

/** One call of each class; `n` keeps ids apart. */
const calls = {
  reader: (md: Metadata) => api.getUser({ userId: 'seed' }, md),
  writer: (md: Metadata, n = 0) => api.identifyUser({ userId: `w-${n}-${Math.random()}`, name: 'W', email: 'w@example.com' }, md),
  'writer (client stream)': (md: Metadata) => api.bulkIdentifyUsers([[{ userId: `b-${Math.random()}`, name: 'B', email: 'b@example.com' }]], md),
  'writer (bidi stream)': (md: Metadata) => api.streamIdentifyUsers([[{ userId: `s-${Math.random()}`, name: 'S', email: 's@example.com' }]], md),
  admin: (md: Metadata) => api.deleteUser({ userId: `nobody-${Math.random()}` }, md),
} as const;
const needs = { reader: 'reader', writer: 'writer', 'writer (client stream)': 'writer', 'writer (bidi stream)': 'writer', admin: 'admin' } as const;
const rank = { reader: 0, writer: 1, admin: 2 } as const;

describe('each role against each method class', () => {
  for (const caller of [reader, writer, admin]) {
    for (const [kind, call] of Object.entries(calls)) {
      const required = needs[kind as keyof typeof needs];
      const allowed = rank[caller.role] >= rank[required];
      it(`${caller.role} → ${kind}: ${allowed ? 'allowed' : 'PERMISSION_DENIED'}`, async () => {
        const outcome = call(bearer(caller.key));
        if (allowed) {
          // DeleteUser of nobody is NOT_FOUND: past the access check, which is the point.
          if (required === 'admin') expect((await grpcError(outcome)).error.code).toBe(status.NOT_FOUND);
          else await outcome;
          return;
        }
        const { error, details } = await grpcError(outcome);
        expect(error.code).toBe(status.PERMISSION_DENIED);
        expect(details.errorInfo).toMatchObject({
          reason: 'ROLE_NOT_ALLOWED',
          domain: 'herald.users.v1',
          metadata: { role: caller.role, required_role: required, method: expect.stringMatching(/^\/herald\.users\.v1\.UsersService\//) },
        });
      });
    }
  }
});

describe('without valid credentials', () => {
  it.each(Object.entries(calls))('no credentials → UNAUTHENTICATED / CREDENTIALS_MISSING (%s)', async (_kind, call) => {
    const { error, details } = await grpcError(call(new Metadata()));
    expect(error.code).toBe(status.UNAUTHENTICATED);
    expect(details.errorInfo).toMatchObject({ reason: 'CREDENTIALS_MISSING', domain: 'herald.users.v1' });
  });

  it('an unknown key → UNAUTHENTICATED / INVALID_CREDENTIALS', async () => {
    const { error, details } = await grpcError(calls.reader(bearer(makeKey('x', 'admin').key)));
    expect(error.code).toBe(status.UNAUTHENTICATED);
    expect(details.errorInfo?.reason).toBe('INVALID_CREDENTIALS');
  });

  it('a caller header sent by the client is ignored, not believed', async () => {
    const md = new Metadata();
    md.set(CALLER_METADATA_KEY, 'api-key:ops-oncall');
    const { details } = await grpcError(calls.admin(md));
    expect(details.errorInfo?.reason).toBe('CREDENTIALS_MISSING');
    const forged = bearer(reader.key);
    forged.set(CALLER_METADATA_KEY, 'api-key:ops-oncall');
    expect((await grpcError(calls.admin(forged))).details.errorInfo?.reason).toBe('ROLE_NOT_ALLOWED');
  });

  it('a refused call reads no request and answers with the request id', async () => {
    const md = new Metadata();
    md.set('x-request-id', 'refused-1');
    const { error } = await grpcError(calls.reader(md));
    expect(error.code).toBe(status.UNAUTHENTICATED);
    expect(service.logs).toContainEqual(expect.objectContaining({ requestId: 'refused-1', code: 'UNAUTHENTICATED', reason: 'CREDENTIALS_MISSING', msg: 'call' }));
  });
});

describe('the log', () => {
  it('names the caller on every call line', async () => {
    const md = bearer(writer.key);
    md.set('x-request-id', 'named-caller-1');
    await calls.writer(md);
    expect(service.logs).toContainEqual(expect.objectContaining({ requestId: 'named-caller-1', caller: 'ingest', method: 'IdentifyUser', code: 'OK' }));
    const streamed = bearer(writer.key);
    streamed.set('x-request-id', 'named-caller-2');
    await calls['writer (bidi stream)'](streamed);
    expect(service.logs).toContainEqual(expect.objectContaining({ requestId: 'named-caller-2', caller: 'ingest', method: 'StreamIdentifyUsers', code: 'OK' }));
  });

  it('writes an audit line for delete, bulk delete and merge, succeeded or failed', async () => {
    const md = bearer(admin.key);
    for (const id of ['a-1', 'a-2', 'a-3', 'a-4']) await api.identifyUser({ userId: id, name: id, email: `${id}@example.com` }, md);
    await api.deleteUser({ userId: 'a-1' }, md);
    await grpcError(api.deleteUser({ userId: 'a-1' }, md));
    await api.bulkDeleteUsers({ userIds: ['a-2', 'nobody'] }, md);
    await api.mergeUsers({ primaryUserId: 'a-3', secondaryUserId: 'a-4' }, md);
    await grpcError(api.deleteUser({ userId: 'a-9' }, bearer(writer.key)));
    const audits = service.logs.filter((l) => l['audit'] === true);
    expect(audits).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ msg: 'audit', caller: 'ops-oncall', method: 'DeleteUser', targets: ['a-1'], code: 'OK' }),
        expect.objectContaining({ msg: 'audit', caller: 'ops-oncall', method: 'DeleteUser', targets: ['a-1'], code: 'NOT_FOUND' }),
        expect.objectContaining({ msg: 'audit', caller: 'ops-oncall', method: 'BulkDeleteUsers', targets: ['a-2', 'nobody'], code: 'OK' }),
        expect.objectContaining({ msg: 'audit', caller: 'ops-oncall', method: 'MergeUsers', targets: ['a-3', 'a-4'], code: 'OK' }),
        expect.objectContaining({ msg: 'audit', caller: 'ingest', method: 'DeleteUser', code: 'PERMISSION_DENIED' }),
      ]),
    );
  });

  it('never holds a key or an authorization header', () => {
    const text = service.logs.map((l) => JSON.stringify(l)).join('\n');
    expect(service.logs.length).toBeGreaterThan(20);
    for (const { key } of [reader, writer, admin]) expect(text).not.toContain(key);
    expect(text.toLowerCase()).not.toContain('bearer');
    expect(text.toLowerCase()).not.toContain('authorization');
    expect(text).not.toMatch(/hk_[A-Za-z0-9_-]{20,}/);
  });
});

describe('a reloaded callers file', () => {
  it('takes effect without a restart: a new key works, a removed one stops', async () => {
    const late = makeKey('late-comer', 'reader');
    expect((await grpcError(calls.reader(bearer(late.key)))).details.errorInfo?.reason).toBe('INVALID_CREDENTIALS');
    await writeCallersFile(callersFile, [late, writer, admin]);
    await expect.poll(() => calls.reader(bearer(late.key)).then(() => 'accepted', () => 'refused'), { timeout: 10_000, interval: 50 }).toBe('accepted');
    expect((await grpcError(calls.reader(bearer(reader.key)))).details.errorInfo?.reason).toBe('INVALID_CREDENTIALS');
    await writeCallersFile(callersFile, [reader, writer, admin]);
    await expect.poll(() => calls.reader(bearer(reader.key)).then(() => 'accepted', () => 'refused'), { timeout: 10_000, interval: 50 }).toBe('accepted');
  });
});

describe('a key revoked while its stream is open', () => {
  it('stops the stream at its next message; what came after is not written', async () => {
    const streamer = makeKey('streamer', 'writer');
    await writeCallersFile(callersFile, [reader, writer, admin, streamer]);
    await expect.poll(() => calls.reader(bearer(streamer.key)).then(() => 'accepted', () => 'refused'), { timeout: 10_000, interval: 50 }).toBe('accepted');
    const before = `before-revoke-${Math.random()}`;
    const after = `after-revoke-${Math.random()}`;
    const ended = new Promise<{ code: number; reason: string | undefined }>((resolve) => {
      const stream = service.client.bulkIdentifyUsers(bearer(streamer.key), (error) =>
        resolve({ code: error?.code ?? status.OK, reason: error === null ? undefined : decodeStatusDetails(error.metadata)?.errorInfo?.reason }),
      );
      stream.write(BulkIdentifyUsersRequest.fromPartial({ users: [{ userId: before, name: 'B', email: 'b@example.com' }] }));
      void (async () => {
        // The first record is stored (a partial batch is written after 50 ms of quiet).
        await expect.poll(() => api.getUser({ userId: before }, bearer(reader.key)).then(() => true, () => false), { timeout: 10_000, interval: 20 }).toBe(true);
        await writeCallersFile(callersFile, [reader, writer, admin]);
        await expect.poll(() => calls.reader(bearer(streamer.key)).then(() => 'accepted', () => 'refused'), { timeout: 10_000, interval: 50 }).toBe('refused');
        stream.write(BulkIdentifyUsersRequest.fromPartial({ users: [{ userId: after, name: 'A', email: 'a@example.com' }] }));
        stream.end();
      })();
    });
    expect(await ended).toEqual({ code: status.UNAUTHENTICATED, reason: 'INVALID_CREDENTIALS' });
    expect((await grpcError(api.getUser({ userId: after }, bearer(reader.key)))).error.code).toBe(status.NOT_FOUND);
  });
});

describe('rate limits', async () => {
  const limited = await startTestService({
    app: {
      authCallersFile: callersFile,
      rateLimits: { readsPerSecond: 0, writesPerSecond: 0, adminPerSecond: 1, burst: 1 },
    },
  });

  it('RESOURCE_EXHAUSTED / RATE_LIMITED with a RetryInfo once a caller uses up its bucket; other callers and classes unaffected', async () => {
    const md = bearer(admin.key);
    const first = await grpcError(limited.api.deleteUser({ userId: 'rl-1' }, md));
    expect(first.error.code).toBe(status.NOT_FOUND);
    const { error, details } = await grpcError(limited.api.deleteUser({ userId: 'rl-2' }, md));
    expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(details.errorInfo).toMatchObject({ reason: 'RATE_LIMITED', metadata: { method_class: 'admin' } });
    const delay = details.retryInfo?.retryDelay;
    expect(delay).toBeDefined();
    const ms = (delay?.seconds ?? 0) * 1000 + (delay?.nanos ?? 0) / 1e6;
    expect(ms).toBeGreaterThan(0);
    expect(ms).toBeLessThanOrEqual(1000);
    await limited.api.getUser({ userId: 'nobody' }, bearer(admin.key)).catch((e: { code: number }) => expect(e.code).toBe(status.NOT_FOUND));
  });
});
