/**
 * The TLS module on certificates made by the real openssl: the identity a
 * client certificate proves, and a clear TlsConfigError, naming the file,
 * for every kind of bad file at start-up.
 */
import { X509Certificate } from 'node:crypto';
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerCertificate } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TlsConfigError, certificateIdentity, loadTlsCredentials, parseSubjectAltNames } from '../../../src/auth/tls.ts';
import { makeCertificates, spiffeId, type TestCertificates } from '../../support/test-certificates.ts';

let dir: string;
let certs: TestCertificates;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tls-unit-'));
  certs = await makeCertificates(dir);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What a TLS socket's getPeerCertificate() says about SANs, from a PEM file. */
async function peer(certFile: string): Promise<PeerCertificate> {
  const certificate = new X509Certificate(await readFile(certFile));
  return { subjectaltname: certificate.subjectAltName } as PeerCertificate;
}

describe('certificateIdentity', () => {
  it('gives the URI SAN (a SPIFFE id) or the DNS SAN, whichever is asked for', async () => {
    const both = await peer((await certs.client('billing', { uri: spiffeId('billing'), dns: 'billing.herald.test' })).certFile);
    expect(certificateIdentity(both, 'uri')).toBe('spiffe://herald.test/billing');
    expect(certificateIdentity(both, 'dns')).toBe('billing.herald.test');
  });

  it('gives undefined when the certificate has no SAN of the kind asked for', async () => {
    const uriOnly = await peer((await certs.client('reports')).certFile);
    expect(certificateIdentity(uriOnly, 'uri')).toBe(spiffeId('reports'));
    expect(certificateIdentity(uriOnly, 'dns')).toBeUndefined();

    const dnsOnly = await peer((await certs.client('web', { dns: 'Web.Herald.Test' })).certFile);
    expect(certificateIdentity(dnsOnly, 'dns')).toBe('web.herald.test');
    expect(certificateIdentity(dnsOnly, 'uri')).toBeUndefined();

    const none = await peer((await certs.client('nobody', {})).certFile);
    expect(certificateIdentity(none, 'uri')).toBeUndefined();
    expect(certificateIdentity(none, 'dns')).toBeUndefined();
  });

  it('never reads the server certificate\'s IP SAN as an identity', async () => {
    const server = await peer(certs.serverCertFile);
    expect(certificateIdentity(server, 'dns')).toBe('localhost');
    expect(certificateIdentity(server, 'uri')).toBeUndefined();
  });

  it('takes a quoted value whole: a comma inside a SAN cannot forge a second entry', () => {
    // What Node 20 prints for a URI SAN "spiffe://herald.test/a, DNS:evil.test".
    const text = 'URI:"spiffe://herald.test/a\\u002c DNS:evil.test", DNS:Web.Herald.Test';
    expect(parseSubjectAltNames(text)).toEqual([
      { kind: 'URI', value: 'spiffe://herald.test/a, DNS:evil.test' },
      { kind: 'DNS', value: 'Web.Herald.Test' },
    ]);
    const cert = { subjectaltname: text } as PeerCertificate;
    expect(certificateIdentity(cert, 'dns')).toBe('web.herald.test');
    expect(parseSubjectAltNames('IP Address:127.0.0.1, DNS:localhost')).toEqual([
      { kind: 'IP Address', value: '127.0.0.1' },
      { kind: 'DNS', value: 'localhost' },
    ]);
    // Malformed text yields what came before the fault, never a guess.
    expect(parseSubjectAltNames('URI:"unterminated, DNS:x')).toEqual([]);
  });
});

describe('loadTlsCredentials at start-up', () => {
  /** The TlsConfigError loading these files fails with. */
  async function failure(settings: { certFile: string; keyFile: string; clientCaFile?: string }): Promise<TlsConfigError> {
    const error = await loadTlsCredentials(settings).then(
      (loaded) => {
        loaded.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TlsConfigError);
    return error as TlsConfigError;
  }

  it('loads good files, with and without a client CA', async () => {
    const tls = await loadTlsCredentials({ certFile: certs.serverCertFile, keyFile: certs.serverKeyFile });
    expect(tls.credentials._isSecure()).toBe(true);
    tls.close();
    const mutual = await loadTlsCredentials({ certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, clientCaFile: certs.caFile });
    expect(mutual.credentials._getConstructorOptions()).toMatchObject({ requestCert: true, rejectUnauthorized: true });
    mutual.close();
  });

  it('names a missing file', async () => {
    const missing = join(dir, 'no-such.crt');
    for (const settings of [
      { certFile: missing, keyFile: certs.serverKeyFile },
      { certFile: certs.serverCertFile, keyFile: missing },
      { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, clientCaFile: missing },
    ]) {
      const error = await failure(settings);
      expect(error.file).toBe(missing);
      expect(error.message).toContain(`"${missing}" does not exist`);
    }
  });

  it('names a file that cannot be read', async () => {
    const folder = join(dir, 'a-folder.crt');
    await mkdir(folder, { recursive: true });
    const error = await failure({ certFile: folder, keyFile: certs.serverKeyFile });
    expect(error.message).toBe(`TLS certificate file "${folder}" is a directory, not a file`);
  });

  it.skipIf(process.getuid?.() === 0)('names a file without read permission (not as root)', async () => {
    const locked = join(dir, 'locked.key');
    await copyFile(certs.serverKeyFile, locked);
    await chmod(locked, 0o000);
    const error = await failure({ certFile: certs.serverCertFile, keyFile: locked });
    expect(error.message).toBe(`TLS private key file "${locked}" cannot be read: permission denied`);
  });

  it('names a certificate or key file that is not PEM', async () => {
    const garbage = join(dir, 'garbage.pem');
    await writeFile(garbage, 'this is not a certificate\n');
    const cert = await failure({ certFile: garbage, keyFile: certs.serverKeyFile });
    expect(cert.message).toBe(`TLS certificate file "${garbage}" is not PEM: it has no "BEGIN CERTIFICATE" block`);
    const key = await failure({ certFile: certs.serverCertFile, keyFile: garbage });
    expect(key.message).toBe(`TLS private key file "${garbage}" is not PEM: it has no "BEGIN … PRIVATE KEY" block`);
    const ca = await failure({ certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, clientCaFile: garbage });
    expect(ca.message).toBe(`TLS client CA file "${garbage}" is not PEM: it has no "BEGIN CERTIFICATE" block`);

    const broken = join(dir, 'broken.crt');
    await writeFile(broken, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    expect((await failure({ certFile: broken, keyFile: certs.serverKeyFile })).message).toMatch(
      new RegExp(`^TLS certificate file "${broken}": certificate 1 cannot be parsed`),
    );
  });

  it('names a key that does not match the certificate, without showing either', async () => {
    const other = await certs.client('someone');
    const error = await failure({ certFile: certs.serverCertFile, keyFile: other.keyFile });
    expect(error.file).toBe(other.keyFile);
    expect(error.message).toBe(`TLS private key file "${other.keyFile}" does not match the certificate in "${certs.serverCertFile}"`);
    expect(error.message).not.toMatch(/BEGIN|PRIVATE|[A-Za-z0-9+/]{40}/);
  });

  it('refuses an expired certificate at start-up', async () => {
    const expired = await certs.expired();
    const error = await failure({ certFile: expired.certFile, keyFile: expired.keyFile });
    expect(error.file).toBe(expired.certFile);
    expect(error.message).toMatch(
      new RegExp(`^TLS certificate file "${expired.certFile}" holds an expired certificate \\(CN=localhost\\): it expired at \\d{4}-`),
    );
  });

  it('refuses a client CA file whose certificate is not a CA', async () => {
    const leaf = await certs.client('not-a-ca');
    const error = await failure({ certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, clientCaFile: leaf.certFile });
    expect(error.file).toBe(leaf.certFile);
    expect(error.message).toBe(
      `TLS client CA file "${leaf.certFile}" holds a certificate that is not a CA (CN=not-a-ca; basic constraints CA:FALSE or absent)`,
    );
  });

  it('refuses a key protected by a passphrase', async () => {
    const encrypted = join(dir, 'encrypted.key');
    await promisify(execFile)('openssl', ['pkcs8', '-topk8', '-in', certs.serverKeyFile, '-out', encrypted, '-passout', 'pass:secret', '-v2', 'aes-256-cbc']);
    const error = await failure({ certFile: certs.serverCertFile, keyFile: encrypted });
    expect(error.message).toBe(`TLS private key file "${encrypted}" is encrypted; a key protected by a passphrase is not supported`);
  });

  it('refuses a refresh interval that is not a positive number of milliseconds', async () => {
    await expect(loadTlsCredentials({ certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, refreshIntervalMs: 0 })).rejects.toThrow(RangeError);
  });
});
