/**
 * The README's grpcurl examples with credentials, against the real binary:
 * a bearer key in clear text on loopback, TLS (-cacert) with a bearer key,
 * and mutual TLS (-cert/-key) with a certificate identity from the callers
 * file. Skipped without grpcurl, like grpcurl.test.ts.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findGrpcurl, NO_GRPCURL, runGrpcurl, type GrpcurlResult } from '../support/grpcurl.ts';
import { makeCertificates, spiffeId } from '../support/test-certificates.ts';
import { startTestService } from './harness.ts';
import { makeKey, scratchFolder, writeCallersFile } from './auth-support.ts';


const grpcurl = findGrpcurl();
if (grpcurl === undefined) console.warn(`[auth-grpcurl.test] ${NO_GRPCURL}`);

function grpc(...args: string[]): Promise<GrpcurlResult> {
  return runGrpcurl(grpcurl as string, args);
}

const GET = 'herald.users.v1.UsersService/GetUser';
const IDENTIFY = 'herald.users.v1.UsersService/IdentifyUser';
const DELETE = 'herald.users.v1.UsersService/DeleteUser';
const user = JSON.stringify({ user_id: 'curl-1', name: 'Ada', email: 'ada@example.com' });

describe.skipIf(grpcurl === undefined)('grpcurl with credentials', async () => {
  const dir = await scratchFolder('auth-grpcurl');
  const writer = makeKey('grpcurl-writer', 'writer');
  const admin = makeKey('grpcurl-admin', 'admin');
  const callersFile = join(dir, 'callers.json');
  await writeCallersFile(callersFile, [writer, admin], [{ identity: spiffeId('billing-worker'), role: 'writer' }]);
  const certs = await makeCertificates(dir);
  const client = await certs.client('billing-worker');
  const stranger = await certs.client('stranger');

  describe('plaintext on loopback, bearer key', async () => {
    const service = await startTestService({ app: { authCallersFile: callersFile } });

    it('refuses a call without a key: Unauthenticated (at reflection already, which needs a caller by default)', async () => {
      const { code, stderr } = await grpc('-plaintext', '-d', '{"user_id": "curl-1"}', service.address, GET);
      expect(code).not.toBe(0);
      expect(stderr).toContain('code = Unauthenticated');
      // With reflection authenticated apart, the call itself is refused, details and all.
      const call = await grpc('-plaintext', '-reflect-header', `authorization: Bearer ${writer.key}`, '-d', '{"user_id": "curl-1"}', service.address, GET);
      expect(call.stderr).toContain('Code: Unauthenticated');
      expect(call.stderr).toContain('"reason": "CREDENTIALS_MISSING"');
    });

    it('serves a call with -H authorization: Bearer, and reflection (authenticated by default) with it only', async () => {
      const identified = await grpc('-plaintext', '-H', `authorization: Bearer ${writer.key}`, '-d', user, service.address, IDENTIFY);
      expect(identified.code).toBe(0);
      expect(identified.stdout).toContain('"created": true');
      expect((await grpc('-plaintext', service.address, 'list')).code).not.toBe(0);
      const listed = await grpc('-plaintext', '-H', `authorization: Bearer ${writer.key}`, service.address, 'list');
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain('herald.users.v1.UsersService');
    });

    it('refuses a writer DeleteUser: PermissionDenied with ROLE_NOT_ALLOWED and the roles', async () => {
      const { code, stderr } = await grpc('-plaintext', '-H', `authorization: Bearer ${writer.key}`, '-d', '{"user_id": "curl-1"}', service.address, DELETE);
      expect(code).not.toBe(0);
      expect(stderr).toContain('Code: PermissionDenied');
      expect(stderr).toContain('ROLE_NOT_ALLOWED');
      expect(stderr).toContain('"required_role": "admin"');
    });

    it('health answers without credentials (reflection, to describe it, needs a key)', async () => {
      const health = await grpc('-plaintext', '-reflect-header', `authorization: Bearer ${writer.key}`, service.address, 'grpc.health.v1.Health/Check');
      expect(health.code).toBe(0);
      expect(health.stdout).toContain('"status"');
    });
  });

  describe('TLS, bearer key', async () => {
    const service = await startTestService({
      app: { authCallersFile: callersFile, tlsCertFile: certs.serverCertFile, tlsKeyFile: certs.serverKeyFile },
    });

    it('serves with -cacert and a key; refuses plaintext', async () => {
      const ok = await grpc('-cacert', certs.caFile, '-H', `authorization: Bearer ${admin.key}`, '-d', '{"user_id": "nobody"}', service.address, GET);
      expect(ok.stderr).toContain('Code: NotFound');
      expect((await grpc('-plaintext', '-H', `authorization: Bearer ${admin.key}`, service.address, 'list')).code).not.toBe(0);
    });
  });

  describe('mutual TLS', async () => {
    const service = await startTestService({
      app: {
        authCallersFile: callersFile,
        tlsCertFile: certs.serverCertFile,
        tlsKeyFile: certs.serverKeyFile,
        tlsClientCaFile: certs.caFile,
      },
    });
    const tls = ['-cacert', certs.caFile, '-cert', client.certFile, '-key', client.keyFile];

    it('a certificate in the callers file is its caller: writer calls pass, admin calls do not', async () => {
      const identified = await grpc(...tls, '-d', JSON.stringify({ user_id: 'mtls-1', name: 'M', email: 'm@example.com' }), service.address, IDENTIFY);
      expect(identified.code).toBe(0);
      const denied = await grpc(...tls, '-d', '{"user_id": "mtls-1"}', service.address, DELETE);
      expect(denied.stderr).toContain('ROLE_NOT_ALLOWED');
      expect(service.logs).toContainEqual(expect.objectContaining({ method: 'IdentifyUser', caller: spiffeId('billing-worker'), code: 'OK' }));
    });

    it('a bearer key over mutual TLS speaks for the call; a bad one is refused despite the certificate', async () => {
      const deleted = await grpc(...tls, '-H', `authorization: Bearer ${admin.key}`, '-d', '{"user_id": "mtls-1"}', service.address, DELETE);
      expect(deleted.code).toBe(0);
      const bad = await grpc(...tls, '-rpc-header', 'authorization: Bearer hk_not-a-key', '-d', '{"user_id": "x"}', service.address, GET);
      expect(bad.stderr).toContain('Code: Unauthenticated');
      expect(bad.stderr).toContain('"reason": "INVALID_CREDENTIALS"');
    });

    it('a certificate of the CA but not in the callers file: Unauthenticated; no certificate: no connection', async () => {
      const unknown = await grpc('-cacert', certs.caFile, '-cert', stranger.certFile, '-key', stranger.keyFile, '-d', '{"user_id": "x"}', service.address, GET);
      expect(unknown.stderr).toContain('code = Unauthenticated');
      expect(unknown.stderr).toContain('the client certificate identity is not in the callers file');
      const none = await grpc('-cacert', certs.caFile, '-d', '{"user_id": "x"}', service.address, GET);
      expect(none.code).not.toBe(0);
      expect(none.stderr).not.toContain('Code: NotFound');
    });
  });
});
