/**
 * `npm run keys -- COMMAND ... [--file PATH]` (or `users-keys`): manages the
 * callers file the service reads (AUTH_CALLERS_FILE): API keys, kept only as
 * hashes, and client certificate identities, each with a role. A running
 * service picks the changes up by itself (file change or SIGHUP).
 *
 * Every change is checked as the service would check it, then written
 * atomically (a 0600 temp file beside the target, then rename), so the
 * service never reads half a file. A new key is printed once, alone on
 * standard output (so `KEY=$(npm run -s keys -- create ...)` works), with a
 * note on standard error; nothing else ever prints key material.
 *
 * Exit statuses:
 *   0  done
 *   1  not done: the file cannot be read, is invalid or cannot be written;
 *      the name or identity is already taken (create, add-certificate) or
 *      not there (revoke, remove-certificate)
 *   2  bad usage: unknown command or option, missing or extra arguments,
 *      bad name, role or identity, no file given; the usage is printed
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { API_KEY_PREFIX, hashApiKey, newApiKey } from '../auth/api-keys.ts';
import {
  type CallersDocument,
  CallersFileError,
  formatCallersDocument,
  identityProblem,
  keyNameProblem,
  parseCallersDocument,
  roleProblem,
} from '../auth/callers-document.ts';
import type { Role } from '../auth/roles.ts';

/** The exit statuses listed above. */
const KEYS_EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

const USAGE = `Usage: npm run keys -- COMMAND [ARGUMENTS] [--file PATH]
       users-keys COMMAND [ARGUMENTS] [--file PATH]

Manages the callers file: API keys (stored as SHA-256 hashes only) and client
certificate identities, each with a role (reader, writer or admin). A running
service reloads the file when it changes, or on SIGHUP.

Commands:
  create NAME ROLE               make a key for NAME (1-128 of A-Z a-z 0-9 . _ : -);
                                 prints it once: it cannot be shown again
  list                           keys (name, role, created) and certificates
  revoke NAME                    remove the key named NAME
  add-certificate IDENTITY ROLE  let client certificates whose URI or DNS SAN is
                                 IDENTITY (e.g. spiffe://example.org/billing) call
  remove-certificate IDENTITY    remove that identity

Options:
  --file PATH  the callers file (default: $AUTH_CALLERS_FILE); create and
               add-certificate make it (mode 0600) if it does not exist
  --help       this text

Exit statuses: 0 done; 1 not done (file unreadable, invalid or unwritable;
name or identity taken or not found); 2 bad usage.
`;

/** A bad command line: exit status 2 with the usage. */
class UsageError extends Error {}
/** A command that could not be done: exit status 1. */
class FailedError extends Error {}

interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const ARITY: Readonly<Record<string, number>> = {
  create: 2,
  list: 0,
  revoke: 1,
  'add-certificate': 2,
  'remove-certificate': 1,
};

function checked(problem: string | undefined): void {
  if (problem !== undefined) throw new UsageError(problem);
}

/** A key name from the command line; one that looks like a key is refused without being echoed. */
function keyName(name: string): string {
  if (name.startsWith(API_KEY_PREFIX)) {
    throw new UsageError(`a key name must not start with ${API_KEY_PREFIX} (keys do); name the key after what uses it`);
  }
  checked(keyNameProblem(name));
  return name;
}

function role(value: string): Role {
  checked(roleProblem(value));
  return value as Role;
}

/** The file's checked contents and its status, or undefined when it does not exist. */
async function readDocument(path: string): Promise<{ document: CallersDocument; uid: number; gid: number } | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FailedError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const { uid, gid } = await stat(path);
  return { document: parseCallersDocument(text, path), uid, gid };
}

async function existingDocument(path: string): Promise<CallersDocument> {
  const found = await readDocument(path);
  if (found === undefined) throw new FailedError(`${path} does not exist (create makes it)`);
  return found.document;
}

/**
 * Writes the document in place of `path` at once: a 0600 temp file in the
 * same folder, flushed, then renamed over it. Run as root, the new file keeps
 * the old one's owner, so the service can still read it.
 */
async function writeDocument(path: string, document: CallersDocument, io: Io): Promise<void> {
  const text = formatCallersDocument(document);
  parseCallersDocument(text, path); // never write what the service would refuse
  const previous = await readDocument(path).catch(() => undefined);
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.chmod(0o600);
    if (previous !== undefined && process.getuid?.() === 0) await handle.chown(previous.uid, previous.gid);
    await handle.writeFile(text, 'utf8');
    await handle.sync();
    await handle.close();
    await rename(temp, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw new FailedError(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (previous !== undefined && previous.uid !== process.getuid?.() && process.getuid?.() !== 0) {
    io.err(`note: ${path} now belongs to you; check that the service can still read it\n`);
  }
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n') + '\n';
}

async function run(command: string, args: readonly string[], path: string, io: Io): Promise<void> {
  switch (command) {
    case 'create': {
      const name = keyName(args[0]!);
      const keyRole = role(args[1]!);
      const document = (await readDocument(path))?.document ?? { keys: [], certificates: [] };
      if (document.keys.some((key) => key.name === name)) throw new FailedError(`a key named ${name} already exists in ${path}`);
      const key = newApiKey();
      const entry = { name, role: keyRole, sha256: hashApiKey(key), created: new Date().toISOString() };
      await writeDocument(path, { ...document, keys: [...document.keys, entry] }, io);
      io.out(`${key}\n`);
      io.err(`Created key ${name} (${keyRole}) in ${path}. Store the key above now: it cannot be shown again (the file keeps only its hash).\n`);
      return;
    }
    case 'list': {
      const document = await existingDocument(path);
      io.out(`Keys (${document.keys.length}):\n`);
      if (document.keys.length > 0) {
        io.out(table([['NAME', 'ROLE', 'CREATED'], ...document.keys.map((k) => [k.name, k.role, k.created ?? '-'])]));
      }
      io.out(`Certificates (${document.certificates.length}):\n`);
      if (document.certificates.length > 0) {
        io.out(table([['IDENTITY', 'ROLE'], ...document.certificates.map((c) => [c.identity, c.role])]));
      }
      return;
    }
    case 'revoke': {
      const name = keyName(args[0]!);
      const document = await existingDocument(path);
      const keys = document.keys.filter((key) => key.name !== name);
      if (keys.length === document.keys.length) throw new FailedError(`no key named ${name} in ${path}`);
      await writeDocument(path, { ...document, keys }, io);
      io.out(`Revoked key ${name} in ${path}.\n`);
      return;
    }
    case 'add-certificate': {
      const identity = args[0]!;
      checked(identityProblem(identity));
      const certificateRole = role(args[1]!);
      const document = (await readDocument(path))?.document ?? { keys: [], certificates: [] };
      if (document.certificates.some((c) => c.identity === identity)) {
        throw new FailedError(`certificate identity ${identity} is already listed in ${path}`);
      }
      const certificates = [...document.certificates, { identity, role: certificateRole }];
      await writeDocument(path, { ...document, certificates }, io);
      io.out(`Added certificate identity ${identity} (${certificateRole}) to ${path}.\n`);
      return;
    }
    case 'remove-certificate': {
      const identity = args[0]!;
      const document = await existingDocument(path);
      const certificates = document.certificates.filter((c) => c.identity !== identity);
      if (certificates.length === document.certificates.length) {
        throw new FailedError(`certificate identity ${identity} is not listed in ${path}`);
      }
      await writeDocument(path, { ...document, certificates }, io);
      io.out(`Removed certificate identity ${identity} from ${path}.\n`);
      return;
    }
  }
}

/** Runs the command line; resolves to the exit status. */
async function main(argv: readonly string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...argv],
        allowPositionals: true,
        strict: true,
        options: { file: { type: 'string' }, help: { type: 'boolean' } },
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (parsed.values.help === true) {
      io.out(USAGE);
      return KEYS_EXIT.OK;
    }
    const [command, ...args] = parsed.positionals;
    if (command === undefined) throw new UsageError('no command given');
    const arity = ARITY[command];
    if (arity === undefined) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    if (args.length !== arity) throw new UsageError(`${command} takes ${arity} argument${arity === 1 ? '' : 's'}, not ${args.length}`);
    const file = parsed.values.file ?? env.AUTH_CALLERS_FILE;
    if (file === undefined || file === '') throw new UsageError('no callers file: set AUTH_CALLERS_FILE or pass --file PATH');
    // Write through a symlink to its target, so a linked file stays linked.
    const path = await realpath(file).catch(() => file);
    await run(command, args, path, io);
    return KEYS_EXIT.OK;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`users-keys: ${error.message}\n\n${USAGE}`);
      return KEYS_EXIT.USAGE;
    }
    if (error instanceof FailedError || error instanceof CallersFileError) {
      io.err(`users-keys: ${error.message}\n`);
      return KEYS_EXIT.FAILED;
    }
    throw error;
  }
}

const io: Io = { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) };
main(process.argv.slice(2), process.env, io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    io.err(`users-keys: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = KEYS_EXIT.FAILED;
  },
);
