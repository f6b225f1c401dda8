/**
 * Reading and checking the TLS files: the server's certificate chain, its
 * private key and, for mutual TLS, the CA that client certificates must be
 * signed by. Every problem becomes a TlsConfigError whose message names the
 * file and what is wrong with it, never the file's content: no key material
 * reaches an error message, and so none reaches a log line.
 */
import { X509Certificate, createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';

/** A TLS file that cannot be used, with the file and the problem in the message. */
export class TlsConfigError extends Error {
  override readonly name = 'TlsConfigError';
  /** The file at fault (the key file when a key does not match its certificate). */
  readonly file: string;

  constructor(file: string, message: string) {
    super(message);
    this.file = file;
  }
}

/** Which files to read: the same three as in TlsSettings. */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly clientCaFile?: string;
}

/** The checked content of the files, as grpc-js's certificate provider hands it on. */
export interface TlsMaterial {
  readonly certificate: Buffer;
  readonly privateKey: Buffer;
  readonly caCertificate: Buffer | undefined;
  /** The leaf certificate (the first of the chain), for log lines: subject, serial, dates. */
  readonly leaf: X509Certificate;
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** A digest of the files' raw content, to tell whether anything changed since the last read. */
export function contentDigest(...contents: ReadonlyArray<Buffer | undefined>): string {
  const hash = createHash('sha256');
  for (const content of contents) {
    hash.update(content === undefined ? '-' : `${content.length}:`);
    if (content !== undefined) hash.update(content);
  }
  return hash.digest('hex');
}

/** Reads one file, turning the file system's error codes into sentences. */
export async function readTlsFile(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES' || code === 'EPERM'
          ? 'cannot be read: permission denied'
          : code === 'EISDIR'
            ? 'is a directory, not a file'
            : `cannot be read (${code ?? String(error)})`;
    throw new TlsConfigError(file, `TLS ${what} ${JSON.stringify(file)} ${problem}`);
  }
}

/** The files' raw content, unchecked. */
export interface TlsContent {
  readonly certificate: Buffer;
  readonly privateKey: Buffer;
  readonly caCertificate: Buffer | undefined;
}

/** Reads the files (a missing or unreadable one is a TlsConfigError) without checking their content. */
export async function readTlsContent(files: TlsFiles): Promise<TlsContent> {
  const [certificate, privateKey, caCertificate] = await Promise.all([
    readTlsFile(files.certFile, 'certificate file'),
    readTlsFile(files.keyFile, 'private key file'),
    files.clientCaFile === undefined ? undefined : readTlsFile(files.clientCaFile, 'client CA file'),
  ]);
  return { certificate, privateKey, caCertificate };
}

/**
 * Checks the files' content: each is PEM; the certificate chain is in date
 * (an expired or not-yet-valid certificate is an error, at start-up and on a
 * reload alike); the private key matches the chain's first certificate;
 * every certificate of the client CA file is a CA and in date; and Node's
 * TLS accepts the whole (which catches what the checks above do not, such as
 * a key too weak for OpenSSL's security level).
 */
export function checkTlsMaterial(
  files: TlsFiles,
  content: TlsContent,
  now: Date,
): TlsMaterial {
  const chain = parseCertificates(content.certificate, files.certFile, 'certificate file');
  for (const certificate of chain) checkDates(certificate, files.certFile, 'certificate file', now);
  const leaf = chain[0] as X509Certificate;

  const key = parsePrivateKey(content.privateKey, files.keyFile);
  if (!leaf.checkPrivateKey(key)) {
    throw new TlsConfigError(
      files.keyFile,
      `TLS private key file ${JSON.stringify(files.keyFile)} does not match the certificate in ${JSON.stringify(files.certFile)}`,
    );
  }

  if (files.clientCaFile !== undefined && content.caCertificate !== undefined) {
    const cas = parseCertificates(content.caCertificate, files.clientCaFile, 'client CA file');
    for (const ca of cas) {
      if (!ca.ca) {
        throw new TlsConfigError(
          files.clientCaFile,
          `TLS client CA file ${JSON.stringify(files.clientCaFile)} holds a certificate that is not a CA (${ca.subject.replaceAll('\n', ', ')}; basic constraints CA:FALSE or absent)`,
        );
      }
      checkDates(ca, files.clientCaFile, 'client CA file', now);
    }
  }

  try {
    createSecureContext({
      cert: content.certificate,
      key: content.privateKey,
      ...(content.caCertificate === undefined ? {} : { ca: content.caCertificate }),
    });
  } catch (error) {
    // OpenSSL's reasons ("ee key too small", …) name no key material.
    throw new TlsConfigError(
      files.certFile,
      `TLS files ${JSON.stringify(files.certFile)} and ${JSON.stringify(files.keyFile)} are rejected by Node's TLS: ${(error as Error).message}`,
    );
  }
  return { ...content, leaf };
}

function parseCertificates(content: Buffer, file: string, what: string): X509Certificate[] {
  const blocks = content.toString('latin1').match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) {
    throw new TlsConfigError(file, `TLS ${what} ${JSON.stringify(file)} is not PEM: it has no "BEGIN CERTIFICATE" block`);
  }
  return blocks.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      throw new TlsConfigError(
        file,
        `TLS ${what} ${JSON.stringify(file)}: certificate ${index + 1} cannot be parsed (${(error as Error).message})`,
      );
    }
  });
}

function checkDates(certificate: X509Certificate, file: string, what: string, now: Date): void {
  const subject = certificate.subject.replaceAll('\n', ', ');
  const notAfter = new Date(certificate.validTo);
  const notBefore = new Date(certificate.validFrom);
  if (notAfter.getTime() < now.getTime()) {
    throw new TlsConfigError(
      file,
      `TLS ${what} ${JSON.stringify(file)} holds an expired certificate (${subject}): it expired at ${notAfter.toISOString()}`,
    );
  }
  if (notBefore.getTime() > now.getTime()) {
    throw new TlsConfigError(
      file,
      `TLS ${what} ${JSON.stringify(file)} holds a certificate that is not valid yet (${subject}): it is valid from ${notBefore.toISOString()}`,
    );
  }
}

function parsePrivateKey(content: Buffer, file: string): KeyObject {
  const text = content.toString('latin1');
  if (!/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text)) {
    throw new TlsConfigError(file, `TLS private key file ${JSON.stringify(file)} is not PEM: it has no "BEGIN … PRIVATE KEY" block`);
  }
  if (text.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----') || /Proc-Type: *4, *ENCRYPTED/.test(text)) {
    throw new TlsConfigError(file, `TLS private key file ${JSON.stringify(file)} is encrypted; a key protected by a passphrase is not supported`);
  }
  try {
    return createPrivateKey({ key: content, format: 'pem' });
  } catch (error) {
    // Node's own message is not repeated: only its code, which carries no key material.
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new TlsConfigError(file, `TLS private key file ${JSON.stringify(file)} cannot be parsed as a private key (${code})`);
  }
}
