/**
 * TLS and mutual TLS for the server, from files, and the identity a client
 * certificate proves.
 *
 * Rotation: the files are read and checked once at start-up (a bad file is a
 * TlsConfigError and start-up fails), then polled every refreshIntervalMs.
 * When their content changes and the new content passes the same checks, the
 * server's secure context is replaced: new connections get the new
 * certificate, open connections keep theirs. New content that fails the
 * checks (a half-written rotation, a key that does not match yet, an
 * expired certificate) is reported once it has stood for two polls, and the
 * last good files stay in service, so a rotation that writes the certificate and the key one after
 * the other never takes the server down.
 *
 * The mechanism is grpc-js's own: a CertificateProvider handed to
 * `experimental.createCertificateProviderServerCredentials`, whose watchers
 * call `setSecureContext` on every listening socket. grpc-js's
 * FileWatcherCertificateProvider is not used because it reads without
 * checking, and on a failed read or a mismatched pair it leaves the server
 * with no credentials, dropping every new connection until the next read.
 */
import { experimental, type ServerCredentials } from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import {
  TlsConfigError,
  checkTlsMaterial,
  contentDigest,
  readTlsContent,
  type TlsContent,
  type TlsFiles,
  type TlsMaterial,
} from './tls-files.ts';

export { TlsConfigError } from './tls-files.ts';

export interface TlsSettings {
  /** PEM certificate chain: the server's certificate first, then any intermediates. */
  readonly certFile: string;
  /** PEM private key (PKCS#8 or traditional, not encrypted) matching the first certificate of certFile. */
  readonly keyFile: string;
  /** PEM CA certificate(s). When set, the server runs mutual TLS: every client must present a certificate signed by one of them. */
  readonly clientCaFile?: string;
  /** How often files are checked for changes, in milliseconds (default 60 000). */
  readonly refreshIntervalMs?: number;
}

/** What log lines may say about the certificate in service: nothing secret. */
export interface TlsCertificateSummary {
  readonly subject: string;
  readonly serialNumber: string;
  readonly fingerprint256: string;
  readonly validTo: string;
}

/** Optional hooks for log lines about rotation. */
export interface TlsReloadEvents {
  /** New files passed the checks and are now in service. */
  onReloaded?(certificate: TlsCertificateSummary): void;
  /** Changed files failed the checks; the previous ones stay in service. Default: `process.emitWarning`. */
  onReloadFailed?(error: TlsConfigError): void;
}

export const DEFAULT_TLS_REFRESH_INTERVAL_MS = 60_000;

/**
 * Reads and checks the files now (so a bad file fails start-up with a clear
 * TlsConfigError), then returns credentials that pick up changed files
 * without a restart; close() stops watching.
 *
 * With `clientCaFile`, client certificates are required and verified against
 * it (a client without one, or with one from another CA, fails the
 * handshake). Without it, the server does not ask for client certificates.
 */
export async function loadTlsCredentials(
  settings: TlsSettings,
  events: TlsReloadEvents = {},
): Promise<{ credentials: ServerCredentials; close(): void }> {
  const interval = settings.refreshIntervalMs ?? DEFAULT_TLS_REFRESH_INTERVAL_MS;
  if (!Number.isSafeInteger(interval) || interval <= 0) {
    throw new RangeError(`TLS refreshIntervalMs must be a positive integer of milliseconds, got ${interval}`);
  }
  const files: TlsFiles = {
    certFile: settings.certFile,
    keyFile: settings.keyFile,
    ...(settings.clientCaFile === undefined ? {} : { clientCaFile: settings.clientCaFile }),
  };
  const content = await readTlsContent(files);
  const material = checkTlsMaterial(files, content, new Date());
  const digest = contentDigest(content.certificate, content.privateKey, content.caCertificate);
  const provider = new CheckedFileCertificateProvider(files, material, digest, interval, events);
  const mutual = settings.clientCaFile !== undefined;
  // grpc-js 1.14 declares this function's parameters as (ca, identity, require)
  // but hands them to the constructor as (identity, ca, require): the first
  // argument is the identity provider. The declared types (first not null,
  // second nullable) match what the code does; only the names are swapped.
  const credentials = experimental.createCertificateProviderServerCredentials(provider, mutual ? provider : null, mutual);
  return { credentials, close: () => provider.close() };
}

/**
 * The identity a client certificate proves: its first URI SAN (`san: 'uri'`,
 * e.g. spiffe://example.org/billing) or its first DNS SAN (`san: 'dns'`,
 * lower-cased: DNS names are case-insensitive); undefined when it has none
 * of that kind.
 *
 * Only meaningful for a certificate the TLS handshake has verified, which is
 * what grpc-js's `call.getAuthContext().sslPeerCertificate` is: grpc-js
 * returns an empty auth context for a connection that is not TLS or whose
 * peer is not authorized.
 */
export function certificateIdentity(cert: PeerCertificate, san: 'uri' | 'dns'): string | undefined {
  const text = cert.subjectaltname;
  if (typeof text !== 'string' || text === '') return undefined;
  const kind = san === 'uri' ? 'URI' : 'DNS';
  const found = parseSubjectAltNames(text).find((name) => name.kind === kind && name.value !== '');
  if (found === undefined) return undefined;
  return san === 'dns' ? found.value.toLowerCase() : found.value;
}

/**
 * Splits Node's `subjectaltname` text ("DNS:a.example, URI:spiffe://x/y,
 * IP Address:127.0.0.1") into its entries. Node writes a value that holds a
 * comma, a quote or a control character as a JSON string (`URI:"a, b"`), so
 * a value can never pass itself off as a further entry. Parsing stops at
 * anything it does not understand: an identity is never guessed.
 */
export function parseSubjectAltNames(text: string): Array<{ kind: string; value: string }> {
  const names: Array<{ kind: string; value: string }> = [];
  let at = 0;
  while (at < text.length) {
    const colon = text.indexOf(':', at);
    if (colon < 0) break;
    const kind = text.slice(at, colon);
    let end: number;
    let value: string;
    if (text[colon + 1] === '"') {
      let close = colon + 2;
      while (close < text.length && text[close] !== '"') close += text[close] === '\\' ? 2 : 1;
      if (close >= text.length) break;
      try {
        value = JSON.parse(text.slice(colon + 1, close + 1)) as string;
      } catch {
        break;
      }
      end = close + 1;
    } else {
      const separator = text.indexOf(', ', colon + 1);
      end = separator < 0 ? text.length : separator;
      value = text.slice(colon + 1, end);
    }
    names.push({ kind, value });
    if (end === text.length) break;
    if (!text.startsWith(', ', end)) break;
    at = end + 2;
  }
  return names;
}

/**
 * A grpc-js CertificateProvider over the three files that hands on only
 * content that passed the checks of tls-files.ts. It serves the identity
 * (certificate and key) and, for mutual TLS, the client CA.
 */
class CheckedFileCertificateProvider implements experimental.CertificateProvider {
  private material: TlsMaterial;
  /** Digest of the content in service: unchanged files are not checked again. */
  private servedDigest: string;
  /**
   * Failures are keyed by the bad content's digest (or, for a file that
   * cannot be read, the error). One is reported when the same key is seen on
   * two polls in a row, and then only once: a rotation caught halfway (a new
   * certificate beside the old key) is not worth a warning, a bad file is.
   */
  private pendingFailure: string | undefined;
  private reportedFailure: string | undefined;
  private checking = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly identityListeners = new Set<experimental.IdentityCertificateUpdateListener>();
  private readonly caListeners = new Set<experimental.CaCertificateUpdateListener>();

  constructor(
    private readonly files: TlsFiles,
    material: TlsMaterial,
    digest: string,
    interval: number,
    private readonly events: TlsReloadEvents,
  ) {
    this.material = material;
    this.servedDigest = digest;
    this.timer = setInterval(() => void this.check(), interval);
    this.timer.unref();
  }

  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  // grpc-js adds its listener before the server's watcher: the first update
  // must come on a later tick, or the watcher would miss it.
  addIdentityCertificateListener(listener: experimental.IdentityCertificateUpdateListener): void {
    this.identityListeners.add(listener);
    process.nextTick(() => {
      if (this.identityListeners.has(listener)) listener(this.identityUpdate());
    });
  }

  removeIdentityCertificateListener(listener: experimental.IdentityCertificateUpdateListener): void {
    this.identityListeners.delete(listener);
  }

  addCaCertificateListener(listener: experimental.CaCertificateUpdateListener): void {
    this.caListeners.add(listener);
    process.nextTick(() => {
      if (this.caListeners.has(listener)) listener(this.caUpdate());
    });
  }

  removeCaCertificateListener(listener: experimental.CaCertificateUpdateListener): void {
    this.caListeners.delete(listener);
  }

  private identityUpdate(): experimental.IdentityCertificateUpdate {
    return { certificate: this.material.certificate, privateKey: this.material.privateKey };
  }

  private caUpdate(): experimental.CaCertificateUpdate | null {
    return this.material.caCertificate === undefined ? null : { caCertificate: this.material.caCertificate };
  }

  /** One poll: read; when the content changed and passes the checks, hand it on; when it fails them, say so once. */
  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      let content: TlsContent;
      try {
        content = await readTlsContent(this.files);
      } catch (error) {
        // A missing file is often a rotation caught halfway: report it once, keep the old files.
        this.reject(error, `unreadable: ${String(error)}`);
        return;
      }
      const digest = contentDigest(content.certificate, content.privateKey, content.caCertificate);
      if (this.timer === undefined) return;
      if (digest === this.servedDigest) {
        this.pendingFailure = this.reportedFailure = undefined;
        return;
      }
      let material: TlsMaterial;
      try {
        material = checkTlsMaterial(this.files, content, new Date());
      } catch (error) {
        this.reject(error, digest);
        return;
      }
      this.servedDigest = digest;
      this.pendingFailure = this.reportedFailure = undefined;
      this.material = material;
      for (const listener of this.identityListeners) listener(this.identityUpdate());
      const ca = this.caUpdate();
      if (ca !== null) for (const listener of this.caListeners) listener(ca);
      this.events.onReloaded?.(summarize(material));
    } finally {
      this.checking = false;
    }
  }

  private reject(error: unknown, failure: string): void {
    if (failure === this.reportedFailure || this.timer === undefined) return;
    if (failure !== this.pendingFailure) {
      this.pendingFailure = failure;
      return;
    }
    this.reportedFailure = failure;
    const reported =
      error instanceof TlsConfigError ? error : new TlsConfigError(this.files.certFile, `TLS files cannot be reloaded: ${String(error)}`);
    if (this.events.onReloadFailed !== undefined) this.events.onReloadFailed(reported);
    else process.emitWarning(`${reported.message}; the previous TLS files stay in service`, 'TlsReloadWarning');
  }
}

function summarize(material: TlsMaterial): TlsCertificateSummary {
  return {
    subject: material.leaf.subject.replaceAll('\n', ', '),
    serialNumber: material.leaf.serialNumber,
    fingerprint256: material.leaf.fingerprint256,
    validTo: new Date(material.leaf.validTo).toISOString(),
  };
}
