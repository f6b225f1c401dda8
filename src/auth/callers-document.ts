/**
 * The callers file's contents: their shape, the rules every entry must
 * keep, and the one parser that both the service (at start-up and on every
 * reload) and the keys command use, so that neither accepts what the other
 * would refuse. Problems are collected and reported together.
 */
import { API_KEY_PREFIX } from './api-keys.ts';
import { ROLES, type Role } from './roles.ts';

/** A callers file that cannot be used; the message names the file, each bad entry and the rule it breaks. */
export class CallersFileError extends Error {
  override readonly name = 'CallersFileError';
  /** Each problem found, one line each, without the file's name. */
  readonly problems: readonly string[];

  constructor(path: string, problems: readonly string[]) {
    super(
      problems.length === 1
        ? `callers file ${path}: ${problems[0]}`
        : `callers file ${path} has ${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.problems = problems;
  }
}

/** One API key as the file holds it: never the key, only its hash. */
export interface KeyEntry {
  readonly name: string;
  readonly role: Role;
  /** SHA-256 of the key, 64 lowercase hex digits. */
  readonly sha256: string;
  /** When the key was made (ISO 8601); informative only. */
  readonly created?: string;
}

/** One client certificate identity and its role. */
export interface CertificateEntry {
  readonly identity: string;
  readonly role: Role;
}

/** The file's contents, checked. */
export interface CallersDocument {
  readonly keys: readonly KeyEntry[];
  readonly certificates: readonly CertificateEntry[];
}

const NAME = /^[A-Za-z0-9._:-]{1,128}$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** Why `name` cannot name a key, or undefined when it can. */
export function keyNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'name must be a string';
  return NAME.test(name) ? undefined : 'name must be 1 to 128 characters of A-Z a-z 0-9 . _ : -';
}

/** Why `role` is not a role, or undefined when it is one. */
export function roleProblem(role: unknown): string | undefined {
  return (ROLES as readonly unknown[]).includes(role) ? undefined : `role ${shown(role)} is not one of ${ROLES.join(', ')}`;
}

/** Why `identity` cannot name a certificate, or undefined when it can. */
export function identityProblem(identity: unknown): string | undefined {
  if (typeof identity !== 'string') return 'identity must be a string';
  if (identity === '') return 'identity must not be empty';
  return /\s/.test(identity) ? 'identity must not hold whitespace' : undefined;
}

/**
 * A value the file holds, quoted and cut short, for a message (never used
 * for hashes). A value that looks like an API key, or holds one, is not
 * shown at all: an operator may paste a key into the wrong field.
 */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  if (text.includes(API_KEY_PREFIX)) return '(a value that looks like an API key, not shown)';
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownFields(entry: Record<string, unknown>, allowed: readonly string[]): string[] {
  return Object.keys(entry)
    .filter((field) => !allowed.includes(field))
    .map((field) => `unknown field ${shown(field)} (allowed: ${allowed.join(', ')})`);
}

/** The well-formed key entries; each problem found is pushed onto `problems`. */
function checkKeys(raw: unknown, problems: string[]): KeyEntry[] {
  if (!Array.isArray(raw)) {
    problems.push('"keys" must be an array');
    return [];
  }
  const names = new Map<string, number>();
  const hashes = new Map<string, number>();
  const keys: KeyEntry[] = [];
  raw.forEach((entry: unknown, index) => {
    if (!isRecord(entry)) {
      problems.push(`keys[${index}]: must be an object with name, role, sha256`);
      return;
    }
    const label = `keys[${index}]${keyNameProblem(entry.name) === undefined ? ` (${String(entry.name)})` : ''}`;
    const found = [
      keyNameProblem(entry.name),
      roleProblem(entry.role),
      typeof entry.sha256 === 'string' && SHA256.test(entry.sha256)
        ? undefined
        : 'sha256 must be the key\'s SHA-256 as 64 lowercase hex digits (never the key itself)',
      entry.created === undefined || (typeof entry.created === 'string' && !Number.isNaN(Date.parse(entry.created)))
        ? undefined
        : 'created must be an ISO 8601 date when present',
      ...unknownFields(entry, ['name', 'role', 'sha256', 'created']),
    ].filter((problem) => problem !== undefined);
    const name = entry.name as string;
    const sha256 = entry.sha256 as string;
    if (found.length === 0) {
      const sameName = names.get(name);
      if (sameName !== undefined) found.push(`name is already used by keys[${sameName}]`);
      const sameHash = hashes.get(sha256);
      if (sameHash !== undefined) found.push(`sha256 repeats the one of keys[${sameHash}]`);
    }
    if (found.length > 0) {
      problems.push(...found.map((problem) => `${label}: ${problem}`));
      return;
    }
    names.set(name, index);
    hashes.set(sha256, index);
    const created = entry.created as string | undefined;
    keys.push({ name, role: entry.role as Role, sha256, ...(created === undefined ? {} : { created }) });
  });
  return keys;
}

/** The well-formed certificate entries; each problem found is pushed onto `problems`. */
function checkCertificates(raw: unknown, problems: string[]): CertificateEntry[] {
  if (!Array.isArray(raw)) {
    problems.push('"certificates" must be an array');
    return [];
  }
  const identities = new Map<string, number>();
  const certificates: CertificateEntry[] = [];
  raw.forEach((entry: unknown, index) => {
    if (!isRecord(entry)) {
      problems.push(`certificates[${index}]: must be an object with identity, role`);
      return;
    }
    const label = `certificates[${index}]${typeof entry.identity === 'string' ? ` (${shown(entry.identity)})` : ''}`;
    const found = [
      identityProblem(entry.identity),
      roleProblem(entry.role),
      ...unknownFields(entry, ['identity', 'role']),
    ].filter((problem) => problem !== undefined);
    const identity = entry.identity as string;
    const same = found.length === 0 ? identities.get(identity) : undefined;
    if (same !== undefined) found.push(`identity is already listed at certificates[${same}]`);
    if (found.length > 0) {
      problems.push(...found.map((problem) => `${label}: ${problem}`));
      return;
    }
    identities.set(identity, index);
    certificates.push({ identity, role: entry.role as Role });
  });
  return certificates;
}

/**
 * The checked contents of a callers file's text, or a CallersFileError
 * listing every problem. Either section may be left out (none of that kind).
 */
export function parseCallersDocument(text: string, path: string): CallersDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    // V8 quotes the text around the error; keep only what went wrong.
    const reason = (error as Error).message.replace(/,\s*(\.\.\.)?".*$/s, '');
    throw new CallersFileError(path, [`not valid JSON: ${reason}`]);
  }
  if (!isRecord(raw)) throw new CallersFileError(path, ['must hold a JSON object with "keys" and "certificates"']);
  const problems = unknownFields(raw, ['keys', 'certificates']);
  const keys = checkKeys(raw.keys ?? [], problems);
  const certificates = checkCertificates(raw.certificates ?? [], problems);
  if (problems.length > 0) throw new CallersFileError(path, problems);
  return { keys, certificates };
}

/** The text the keys command writes: stable field order, two-space indent, final newline. */
export function formatCallersDocument(document: CallersDocument): string {
  return `${JSON.stringify({ keys: document.keys, certificates: document.certificates }, null, 2)}\n`;
}
