/**
 * Certificates for tests, made by the real `openssl` command line into a
 * folder the caller owns (a temporary one, usually): a CA, a server
 * certificate for 127.0.0.1 and localhost signed by it, client certificates
 * with a URI SAN (a SPIFFE id) and/or a DNS SAN, an expired certificate, a
 * second CA the server does not trust with its own clients, and a rotation
 * that writes a new server certificate and key over the old files.
 *
 *   const certs = await makeCertificates(await mkdtemp(join(tmpdir(), 'tls-')));
 *   const billing = await certs.client('billing');                // URI spiffe://herald.test/billing
 *   const web = await certs.client('web', { dns: 'web.herald.test' });
 *   const stranger = await certs.otherCa.client('billing');       // same SAN, untrusted CA
 *   const { fingerprint256 } = await certs.rotateServer();
 *
 * Keys are EC P-256, unencrypted PKCS#8 PEM. Nothing here prints a key.
 * openssl is found through $OPENSSL, else `openssl` on the PATH.
 */
import { execFile } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const OPENSSL = process.env['OPENSSL'] ?? 'openssl';

/** The trust domain of the SPIFFE ids that client() puts in certificates by default. */
export const TEST_TRUST_DOMAIN = 'herald.test';

/** The SPIFFE id client(name) gives a certificate by default: spiffe://herald.test/<name>. */
export function spiffeId(name: string): string {
  return `spiffe://${TEST_TRUST_DOMAIN}/${name}`;
}

/** A certificate and its key, as two PEM files. */
export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** Which SANs a client certificate carries; `{}` for none (then only its CN names it). */
export interface ClientSans {
  readonly uri?: string;
  readonly dns?: string;
}

/** A CA that can sign client certificates. */
export interface TestCa {
  /** The CA certificate (PEM): what a server's clientCaFile or a client's root names. */
  readonly caFile: string;
  /** A client certificate signed by this CA; SANs default to `{ uri: spiffeId(name) }`. */
  client(name: string, sans?: ClientSans): Promise<CertificateFiles>;
}

export interface TestCertificates extends TestCa {
  readonly dir: string;
  /** The server's certificate (SANs IP:127.0.0.1, DNS:localhost) and key, signed by caFile. */
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** A second CA, unrelated to caFile, with its own clients: the server must refuse them. */
  readonly otherCa: TestCa;
  /** A server certificate signed by caFile whose validity ended yesterday, with its key. */
  expired(): Promise<CertificateFiles>;
  /** A fresh server certificate and key like serverCertFile's (new key, new serial), in new files: nothing is replaced. */
  server(): Promise<CertificateFiles>;
  /** SHA-256 fingerprint (Node's `AA:BB:…` form) and serial of the certificate in a PEM file. */
  describe(certFile: string): Promise<{ fingerprint256: string; serialNumber: string }>;
  /**
   * Writes a new key and certificate (new serial, same SANs, same CA) over
   * serverKeyFile and serverCertFile, each by an atomic rename, the
   * certificate first. Resolves with what the new certificate looks like.
   */
  rotateServer(): Promise<{ fingerprint256: string; serialNumber: string }>;
}

const REQUEST_CONFIG = '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\n';

async function openssl(args: string[]): Promise<void> {
  try {
    await run(OPENSSL, args, { timeout: 30_000 });
  } catch (error) {
    const failed = error as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${failed.stderr ?? failed.message}`);
  }
}

/** Makes the CAs and the server certificate in `dir` (which must exist). */
export async function makeCertificates(dir: string): Promise<TestCertificates> {
  const requestConfig = join(dir, 'request.cnf');
  await writeFile(requestConfig, REQUEST_CONFIG);
  let counter = 0;
  const unique = (): string => `${process.pid}-${++counter}`;

  async function newKey(keyFile: string): Promise<void> {
    await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile]);
  }

  /**
   * Signs a certificate for keyFile's key with the given extensions; by the
   * CA (caFile/caKeyFile) or, without one, by the key itself.
   */
  async function sign(options: {
    keyFile: string;
    certFile: string;
    commonName: string;
    extensions: string[];
    days: number;
    ca?: { caFile: string; caKeyFile: string };
  }): Promise<void> {
    const id = unique();
    const requestFile = join(dir, `request-${id}.csr`);
    const extensionsFile = join(dir, `extensions-${id}.cnf`);
    await openssl(['req', '-new', '-config', requestConfig, '-key', options.keyFile, '-subj', `/CN=${options.commonName}`, '-out', requestFile]);
    await writeFile(extensionsFile, `[ext]\n${options.extensions.join('\n')}\n`);
    const signer = options.ca === undefined ? ['-signkey', options.keyFile] : ['-CA', options.ca.caFile, '-CAkey', options.ca.caKeyFile];
    await openssl([
      'x509', '-req', '-in', requestFile, ...signer,
      '-set_serial', `0x${randomBytes(12).toString('hex')}`,
      // A negative number of days puts notAfter before notBefore (= now): expired.
      '-days', String(options.days),
      '-extfile', extensionsFile, '-extensions', 'ext', '-out', options.certFile,
    ]);
  }

  async function makeCa(name: string): Promise<TestCa & { caKeyFile: string }> {
    const caFile = join(dir, `${name}.crt`);
    const caKeyFile = join(dir, `${name}.key`);
    await newKey(caKeyFile);
    await sign({
      keyFile: caKeyFile,
      certFile: caFile,
      commonName: `Herald test ${name}`,
      extensions: ['basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign', 'subjectKeyIdentifier = hash'],
      days: 2,
    });
    const ca = { caFile, caKeyFile };
    return {
      caFile,
      caKeyFile,
      async client(clientName: string, sans: ClientSans = { uri: spiffeId(clientName) }): Promise<CertificateFiles> {
        const base = join(dir, `${name}-client-${clientName.replace(/[^A-Za-z0-9._-]/g, '_')}-${unique()}`);
        const files = { certFile: `${base}.crt`, keyFile: `${base}.key` };
        const altNames = [...(sans.uri === undefined ? [] : [`URI:${sans.uri}`]), ...(sans.dns === undefined ? [] : [`DNS:${sans.dns}`])];
        await newKey(files.keyFile);
        await sign({
          ...files,
          commonName: clientName,
          extensions: [
            'basicConstraints = critical, CA:FALSE',
            'keyUsage = critical, digitalSignature',
            'extendedKeyUsage = clientAuth',
            ...(altNames.length === 0 ? [] : [`subjectAltName = ${altNames.join(', ')}`]),
          ],
          days: 2,
          ca,
        });
        return files;
      },
    };
  }

  const serverExtensions = [
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature',
    'extendedKeyUsage = serverAuth',
    'subjectAltName = IP:127.0.0.1, DNS:localhost',
  ];

  const ca = await makeCa('ca');
  const otherCa = await makeCa('other-ca');
  const serverCertFile = join(dir, 'server.crt');
  const serverKeyFile = join(dir, 'server.key');
  await newKey(serverKeyFile);
  await sign({ keyFile: serverKeyFile, certFile: serverCertFile, commonName: 'localhost', extensions: serverExtensions, days: 2, ca });

  async function newServer(): Promise<CertificateFiles> {
    const base = join(dir, `server-${unique()}`);
    const files = { certFile: `${base}.crt`, keyFile: `${base}.key` };
    await newKey(files.keyFile);
    await sign({ ...files, commonName: 'localhost', extensions: serverExtensions, days: 2, ca });
    return files;
  }

  async function describe(certFile: string): Promise<{ fingerprint256: string; serialNumber: string }> {
    const certificate = new X509Certificate(await readFile(certFile));
    return { fingerprint256: certificate.fingerprint256, serialNumber: certificate.serialNumber };
  }

  return {
    dir,
    caFile: ca.caFile,
    client: ca.client,
    serverCertFile,
    serverKeyFile,
    otherCa: { caFile: otherCa.caFile, client: otherCa.client },
    describe,
    async expired(): Promise<CertificateFiles> {
      const base = join(dir, `expired-${unique()}`);
      const files = { certFile: `${base}.crt`, keyFile: `${base}.key` };
      await newKey(files.keyFile);
      await sign({ ...files, commonName: 'localhost', extensions: serverExtensions, days: -1, ca });
      return files;
    },
    server: newServer,
    async rotateServer(): Promise<{ fingerprint256: string; serialNumber: string }> {
      const files = await newServer();
      await rename(files.certFile, serverCertFile);
      await rename(files.keyFile, serverKeyFile);
      return describe(serverCertFile);
    },
  };
}
