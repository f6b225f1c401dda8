/**
 * Real TLS and mutual TLS handshakes against a grpc-js server whose
 * credentials come from loadTlsCredentials, with certificates openssl makes
 * for the test: who gets in, what the server sees of a client certificate,
 * a certificate rotated without a restart, and grpcurl as an operator runs it.
 *
 * The server is bare (the health service only, and one interceptor that
 * records each call's auth context), so these tests need no MongoDB.
 */
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { connect, type PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation, protoPath, service as healthService } from 'grpc-health-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findGrpcurl, NO_GRPCURL, runGrpcurl } from '../support/grpcurl.ts';
import { TlsConfigError, certificateIdentity, loadTlsCredentials, type TlsCertificateSummary, type TlsSettings } from '../../src/auth/tls.ts';
import { makeCertificates, spiffeId, type CertificateFiles, type TestCertificates } from '../support/test-certificates.ts';

type AuthContext = ReturnType<grpc.ServerInterceptingCallInterface['getAuthContext']>;

interface RunningServer {
  readonly address: string;
  readonly port: number;
  /** The auth context of every call that reached the server, in order. */
  readonly seen: AuthContext[];
  readonly reloaded: TlsCertificateSummary[];
  readonly reloadFailures: TlsConfigError[];
  stop(): void;
}

let dir: string;
let certs: TestCertificates;
const running: RunningServer[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tls-integration-'));
  certs = await makeCertificates(dir);
});

afterEach(() => {
  for (const server of running.splice(0)) server.stop();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A server with the health service on 127.0.0.1, port 0; credentials from `settings` (insecure when undefined). */
async function startServer(settings: TlsSettings | undefined): Promise<RunningServer> {
  const reloaded: TlsCertificateSummary[] = [];
  const reloadFailures: TlsConfigError[] = [];
  const tls =
    settings === undefined
      ? undefined
      : await loadTlsCredentials(settings, {
          onReloaded: (summary) => reloaded.push(summary),
          onReloadFailed: (error) => reloadFailures.push(error),
        });
  const seen: AuthContext[] = [];
  // How an interceptor gets at the peer: call.getAuthContext(), before any handler runs.
  const recordAuthContext: grpc.ServerInterceptor = (_method, call) => {
    seen.push(call.getAuthContext());
    return new grpc.ServerInterceptingCall(call);
  };
  const server = new grpc.Server({ interceptors: [recordAuthContext] });
  new HealthImplementation({ '': 'SERVING' }).addToServer(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', tls?.credentials ?? grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error === null ? resolve(bound) : reject(error),
    ),
  );
  const handle: RunningServer = {
    address: `127.0.0.1:${port}`,
    port,
    seen,
    reloaded,
    reloadFailures,
    stop: () => {
      tls?.close();
      server.forceShutdown();
    },
  };
  running.push(handle);
  return handle;
}

type CheckResult = { ok: true; status: string } | { ok: false; code: grpc.status; details: string };

/** One Health/Check call on a new channel (closed afterwards unless `client` is given). */
async function check(address: string, credentials: grpc.ChannelCredentials, client?: grpc.Client): Promise<CheckResult> {
  const channel = client ?? new grpc.Client(address, credentials);
  const method = healthService['Check'];
  if (method === undefined) throw new Error('grpc-health-check has no Check method');
  try {
    return await new Promise<CheckResult>((resolve) => {
      channel.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize as (bytes: Buffer) => { status: string },
        { service: '' },
        new grpc.Metadata(),
        { deadline: Date.now() + 10_000 },
        (error, response) => {
          if (error !== null) resolve({ ok: false, code: error.code, details: error.details });
          else resolve({ ok: true, status: response?.status ?? 'none' });
        },
      );
    });
  } finally {
    if (client === undefined) channel.close();
  }
}

async function trusting(files?: CertificateFiles, caFile = certs.caFile): Promise<grpc.ChannelCredentials> {
  const ca = await readFile(caFile);
  if (files === undefined) return grpc.credentials.createSsl(ca);
  return grpc.credentials.createSsl(ca, await readFile(files.keyFile), await readFile(files.certFile));
}

/** The certificate a new raw TLS connection to the server is shown (h2 ALPN, like a gRPC client). */
async function servedCertificate(port: number): Promise<PeerCertificate> {
  const ca = await readFile(certs.caFile);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost', ALPNProtocols: ['h2'] }, () => {
      const certificate = socket.getPeerCertificate();
      socket.destroy();
      resolve(certificate);
    });
    socket.once('error', reject);
  });
}

/** Polls `probe` until `accept` holds, failing after `timeoutMs`. */
async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await delay(20);
  }
}

describe('TLS (no client CA)', () => {
  it('completes a handshake for a client that trusts the CA', async () => {
    const server = await startServer({ certFile: certs.serverCertFile, keyFile: certs.serverKeyFile });
    expect(await check(server.address, await trusting())).toEqual({ ok: true, status: 'SERVING' });
    // No client certificate was asked for, so grpc-js reports no verified peer: the auth context is empty.
    expect(server.seen).toEqual([{}]);
  });

  it('refuses a client that does not trust the CA, and a plaintext client', async () => {
    const server = await startServer({ certFile: certs.serverCertFile, keyFile: certs.serverKeyFile });
    const untrusting = await check(server.address, grpc.credentials.createSsl());
    expect(untrusting).toMatchObject({ ok: false, code: grpc.status.UNAVAILABLE });
    const plaintext = await check(server.address, grpc.credentials.createInsecure());
    expect(plaintext).toMatchObject({ ok: false, code: grpc.status.UNAVAILABLE });
    expect(server.seen).toEqual([]);
  });

  it('reports an empty auth context on an insecure server', async () => {
    const server = await startServer(undefined);
    expect(await check(server.address, grpc.credentials.createInsecure())).toEqual({ ok: true, status: 'SERVING' });
    expect(server.seen).toEqual([{}]);
  });
});

describe('mutual TLS (client CA set)', () => {
  const mutual = (): TlsSettings => ({ certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, clientCaFile: certs.caFile });

  it('accepts a client certificate from the CA, and the server sees its identity', async () => {
    const server = await startServer(mutual());
    const billing = await certs.client('billing');
    const web = await certs.client('web', { dns: 'web.herald.test' });
    expect(await check(server.address, await trusting(billing))).toEqual({ ok: true, status: 'SERVING' });
    expect(await check(server.address, await trusting(web))).toEqual({ ok: true, status: 'SERVING' });

    expect(server.seen).toHaveLength(2);
    const [first, second] = server.seen as [AuthContext, AuthContext];
    expect(first.transportSecurityType).toBe('ssl');
    expect(first.sslPeerCertificate).toBeDefined();
    expect(certificateIdentity(first.sslPeerCertificate as PeerCertificate, 'uri')).toBe(spiffeId('billing'));
    expect(certificateIdentity(first.sslPeerCertificate as PeerCertificate, 'dns')).toBeUndefined();
    expect(certificateIdentity(second.sslPeerCertificate as PeerCertificate, 'dns')).toBe('web.herald.test');
    expect(certificateIdentity(second.sslPeerCertificate as PeerCertificate, 'uri')).toBeUndefined();
  });

  it('refuses a client without a certificate', async () => {
    const server = await startServer(mutual());
    expect(await check(server.address, await trusting())).toMatchObject({ ok: false, code: grpc.status.UNAVAILABLE });
    expect(server.seen).toEqual([]);
  });

  it('refuses a client certificate from another CA, even with the same SPIFFE id', async () => {
    const server = await startServer(mutual());
    const impostor = await certs.otherCa.client('billing');
    expect(await check(server.address, await trusting(impostor))).toMatchObject({ ok: false, code: grpc.status.UNAVAILABLE });
    expect(server.seen).toEqual([]);
  });

  it('refuses a client that does not trust the server\'s CA, even with a good certificate', async () => {
    const server = await startServer(mutual());
    const billing = await certs.client('billing');
    const credentials = grpc.credentials.createSsl(null, await readFile(billing.keyFile), await readFile(billing.certFile));
    expect(await check(server.address, credentials)).toMatchObject({ ok: false, code: grpc.status.UNAVAILABLE });
    expect(server.seen).toEqual([]);
  });
});

describe('rotation without a restart', () => {
  it('serves a rotated certificate to new connections, and keeps the old one while the new files are not a good pair', async () => {
    // Files of its own: this test rewrites them.
    const files = { certFile: join(dir, 'rotating.crt'), keyFile: join(dir, 'rotating.key') };
    await copyFile(certs.serverCertFile, files.certFile);
    await copyFile(certs.serverKeyFile, files.keyFile);
    const original = await certs.describe(files.certFile);
    const server = await startServer({ ...files, refreshIntervalMs: 25 });
    expect((await servedCertificate(server.port)).fingerprint256).toBe(original.fingerprint256);

    // A channel opened before the rotation, to show that open connections carry on.
    const earlyClient = new grpc.Client(server.address, await trusting());
    expect(await check(server.address, await trusting(), earlyClient)).toEqual({ ok: true, status: 'SERVING' });

    // Half a rotation: the new certificate is in place, its key is not yet.
    const next = await certs.server();
    const nextCertificate = await certs.describe(next.certFile);
    await copyFile(next.certFile, files.certFile);
    const failure = await eventually(async () => server.reloadFailures[0], (error) => error !== undefined);
    expect(failure?.message).toBe(`TLS private key file "${files.keyFile}" does not match the certificate in "${files.certFile}"`);
    expect((await servedCertificate(server.port)).fingerprint256).toBe(original.fingerprint256);
    expect(await check(server.address, await trusting())).toEqual({ ok: true, status: 'SERVING' });

    // The key arrives: new connections get the new certificate.
    await copyFile(next.keyFile, files.keyFile);
    const served = await eventually(
      async () => {
        const { fingerprint256, serialNumber } = await servedCertificate(server.port);
        return { fingerprint256, serialNumber };
      },
      (certificate) => certificate.fingerprint256 !== original.fingerprint256,
    );
    expect(served.fingerprint256).toBe(nextCertificate.fingerprint256);
    expect(served.serialNumber).toBe(nextCertificate.serialNumber);
    expect(server.reloaded.map((summary) => summary.fingerprint256)).toEqual([nextCertificate.fingerprint256]);
    expect(await check(server.address, await trusting())).toEqual({ ok: true, status: 'SERVING' });
    expect(await check(server.address, await trusting(), earlyClient)).toEqual({ ok: true, status: 'SERVING' });
    earlyClient.close();

    // An expired pair is refused on reload too; the good certificate stays in service.
    const expired = await certs.expired();
    await copyFile(expired.certFile, files.certFile);
    await copyFile(expired.keyFile, files.keyFile);
    const refused = await eventually(
      async () => server.reloadFailures.find((error) => error.message.includes('expired')),
      (error) => error !== undefined,
    );
    expect(refused?.file).toBe(files.certFile);
    expect((await servedCertificate(server.port)).fingerprint256).toBe(nextCertificate.fingerprint256);
  });

  it('picks up the helper\'s rotateServer() (atomic renames, certificate first)', async () => {
    const server = await startServer({ certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, clientCaFile: certs.caFile, refreshIntervalMs: 25 });
    const billing = await certs.client('billing');
    expect(await check(server.address, await trusting(billing))).toEqual({ ok: true, status: 'SERVING' });
    const rotated = await certs.rotateServer();
    await eventually(
      async () => (await servedCertificateMutual(server.port, billing)).fingerprint256,
      (fingerprint) => fingerprint === rotated.fingerprint256,
    );
    // A new gRPC channel verifies the new certificate against the same CA.
    expect(await check(server.address, await trusting(billing))).toEqual({ ok: true, status: 'SERVING' });
  });
});

/** As servedCertificate, presenting a client certificate (for a mutual TLS server). */
async function servedCertificateMutual(port: number, client: CertificateFiles): Promise<PeerCertificate> {
  const [ca, key, cert] = await Promise.all([readFile(certs.caFile), readFile(client.keyFile), readFile(client.certFile)]);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, key, cert, servername: 'localhost', ALPNProtocols: ['h2'] }, () => {
      const certificate = socket.getPeerCertificate();
      socket.destroy();
      resolve(certificate);
    });
    socket.once('error', reject);
  });
}

describe('start-up with a bad file', () => {
  it('fails with a TlsConfigError before anything listens', async () => {
    const expired = await certs.expired();
    await expect(startServer({ certFile: expired.certFile, keyFile: expired.keyFile })).rejects.toThrow(TlsConfigError);
  });
});

const grpcurl = findGrpcurl();
const reason = NO_GRPCURL;
if (grpcurl === undefined) console.warn(`[tls.test] ${reason}`);

describe.skipIf(grpcurl === undefined)(`grpcurl over TLS and mutual TLS${grpcurl === undefined ? ` (${reason})` : ''}`, () => {
  /** grpcurl … Health/Check with the health .proto (the bare server has no reflection). */
  async function grpcurlCheck(address: string, ...tlsArgs: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const args = ['-import-path', dirname(protoPath), '-proto', basename(protoPath), ...tlsArgs, address, 'grpc.health.v1.Health/Check'];
    return runGrpcurl(grpcurl as string, args);
  }


  it('checks health over TLS with -cacert', async () => {
    const server = await startServer({ certFile: certs.serverCertFile, keyFile: certs.serverKeyFile });
    const result = await grpcurlCheck(server.address, '-cacert', certs.caFile);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ status: 'SERVING' });
  });

  it('checks health over mutual TLS with -cacert -cert -key, and is refused without a certificate', async () => {
    const server = await startServer({ certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, clientCaFile: certs.caFile });
    const operator = await certs.client('operator');
    const refused = await grpcurlCheck(server.address, '-cacert', certs.caFile);
    expect(refused.code).not.toBe(0);
    expect(server.seen).toEqual([]);

    const result = await grpcurlCheck(server.address, '-cacert', certs.caFile, '-cert', operator.certFile, '-key', operator.keyFile);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ status: 'SERVING' });
    expect(certificateIdentity(server.seen.at(-1)?.sslPeerCertificate as PeerCertificate, 'uri')).toBe(spiffeId('operator'));
  });
});
