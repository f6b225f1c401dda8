/**
 * The keys command end to end: `node --import tsx src/cli/keys.ts` in a
 * child process on a callers file in a scratch folder, read back with the
 * same CallersFile the service uses. A key printed once resolves; the file
 * holds only its hash, stays 0600 and is never left half-written.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CallersFile } from '../../src/auth/callers-file.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = await mkdtemp(join(tmpdir(), 'keys-cli-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the command as an operator would, with AUTH_CALLERS_FILE set only when given. */
function keys(args: string[], callersFile?: string): Promise<Run> {
  const env = { ...process.env };
  delete env.AUTH_CALLERS_FILE;
  if (callersFile !== undefined) env.AUTH_CALLERS_FILE = callersFile;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/keys.ts', ...args], { cwd: ROOT, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

let fileCount = 0;
const newPath = () => join(dir, `callers-${(fileCount += 1)}.json`);

const mode = async (path: string) => (await stat(path)).mode & 0o777;

/** Creates a key and returns it, checking that only the key went to standard output. */
async function createKey(path: string, name: string, role: string): Promise<string> {
  const run = await keys(['create', name, role, '--file', path]);
  expect(run).toMatchObject({ code: 0 });
  expect(run.stdout).toMatch(/^hk_[A-Za-z0-9_-]{43}\n$/);
  expect(run.stderr).toContain('cannot be shown again');
  return run.stdout.trim();
}

describe('keys create', () => {
  it('prints a key once that the file then resolves, and makes the file 0600 holding only its hash', async () => {
    const path = newPath();
    const key = await createKey(path, 'billing-service', 'writer');
    const file = await CallersFile.load(path);
    expect(file.lookupKey(key)).toEqual({ name: 'billing-service', role: 'writer', via: 'api-key' });
    expect(file.counts).toEqual({ keys: 1, certificates: 0 });
    expect(await mode(path)).toBe(0o600);
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain(key);
    expect(JSON.parse(text)).toMatchObject({ keys: [{ name: 'billing-service', role: 'writer', created: expect.any(String) }] });
  });

  it('takes the file from AUTH_CALLERS_FILE, adds to it, keeps it 0600 and leaves no temp file', async () => {
    const path = newPath();
    const first = await createKey(path, 'a', 'reader');
    const run = await keys(['create', 'b', 'admin'], path);
    expect(run.code).toBe(0);
    const second = run.stdout.trim();
    const file = await CallersFile.load(path);
    expect(file.lookupKey(first)).toMatchObject({ name: 'a', role: 'reader' });
    expect(file.lookupKey(second)).toMatchObject({ name: 'b', role: 'admin' });
    expect(await mode(path)).toBe(0o600);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a name that is taken, leaving the file as it was', async () => {
    const path = newPath();
    const key = await createKey(path, 'billing-service', 'writer');
    const before = await readFile(path, 'utf8');
    const run = await keys(['create', 'billing-service', 'admin', '--file', path]);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toContain('a key named billing-service already exists');
    expect(await readFile(path, 'utf8')).toBe(before);
    expect((await CallersFile.load(path)).lookupKey(key)).toMatchObject({ role: 'writer' });
  });

  it('refuses to change a file the service would refuse', async () => {
    const path = newPath();
    await writeFile(path, '{"keys": [{"name": "x", "role": "root"}]}');
    const run = await keys(['create', 'y', 'reader', '--file', path]);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toContain(`callers file ${path}`);
    expect(run.stderr).toContain('role "root" is not one of reader, writer, admin');
    expect(await readFile(path, 'utf8')).toBe('{"keys": [{"name": "x", "role": "root"}]}');
  });
});

describe('keys list, revoke and certificates', () => {
  it('lists names, roles and dates but no hashes; revoke removes one key only', async () => {
    const path = newPath();
    const billing = await createKey(path, 'billing-service', 'writer');
    const ops = await createKey(path, 'ops:alice', 'admin');
    const { sha256 } = (JSON.parse(await readFile(path, 'utf8')) as { keys: { sha256: string }[] }).keys[0]!;

    const list = await keys(['list', '--file', path]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^billing-service\s+writer\s+\d{4}-\d\d-\d\dT/m);
    expect(list.stdout).toMatch(/^ops:alice\s+admin\s+\d{4}-/m);
    expect(list.stdout).not.toContain(sha256);

    const revoke = await keys(['revoke', 'billing-service', '--file', path]);
    expect(revoke.code).toBe(0);
    const file = await CallersFile.load(path);
    expect(file.lookupKey(billing)).toBeUndefined();
    expect(file.lookupKey(ops)).toMatchObject({ name: 'ops:alice' });
    expect(await mode(path)).toBe(0o600);
    expect((await keys(['list', '--file', path])).stdout).not.toContain('billing-service');

    const again = await keys(['revoke', 'billing-service', '--file', path]);
    expect(again).toMatchObject({ code: 1 });
    expect(again.stderr).toContain('no key named billing-service');
  });

  it('adds and removes certificate identities', async () => {
    const path = newPath();
    const add = await keys(['add-certificate', 'spiffe://herald.test/billing', 'reader', '--file', path]);
    expect(add.code).toBe(0);
    expect(await mode(path)).toBe(0o600);
    expect((await CallersFile.load(path)).lookupCertificate('spiffe://herald.test/billing')).toEqual({
      name: 'spiffe://herald.test/billing',
      role: 'reader',
      via: 'certificate',
    });
    expect((await keys(['list', '--file', path])).stdout).toMatch(/^spiffe:\/\/herald\.test\/billing\s+reader$/m);

    const twice = await keys(['add-certificate', 'spiffe://herald.test/billing', 'admin', '--file', path]);
    expect(twice.code).toBe(1);

    expect((await keys(['remove-certificate', 'spiffe://herald.test/billing', '--file', path])).code).toBe(0);
    expect((await CallersFile.load(path)).lookupCertificate('spiffe://herald.test/billing')).toBeUndefined();
    expect((await keys(['remove-certificate', 'spiffe://herald.test/billing', '--file', path])).code).toBe(1);
  });

  it('says when there is no file to list', async () => {
    const run = await keys(['list', '--file', join(dir, 'none.json')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('does not exist');
  });
});

describe.concurrent('bad usage', () => {
  const path = join(dir, 'usage.json');
  it.each([
    ['no command', [], 'no command given'],
    ['an unknown command', ['make', 'a', 'reader', '--file', path], 'unknown command "make"'],
    ['a missing argument', ['create', 'a', '--file', path], 'create takes 2 arguments, not 1'],
    ['an extra argument', ['list', 'x', '--file', path], 'list takes 0 arguments, not 1'],
    ['an unknown option', ['list', '--path', path], "Unknown option '--path'"],
    ['a bad role', ['create', 'a', 'root', '--file', path], 'role "root" is not one of reader, writer, admin'],
    ['a bad name', ['create', 'a b', 'reader', '--file', path], 'name must be 1 to 128 characters'],
    ['a bad identity', ['add-certificate', 'a b', 'reader', '--file', path], 'identity must not hold whitespace'],
    ['no file', ['list'], 'set AUTH_CALLERS_FILE or pass --file PATH'],
  ])('exits 2 with the usage for %s', async (_, args, message) => {
    const run = await keys(args);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('Usage: npm run keys --');
    await expect(stat(path)).rejects.toThrow('ENOENT');
  });

  it('does not echo a key given where a name belongs', async () => {
    const key = await createKey(newPath(), 'k', 'reader');
    const run = await keys(['revoke', key, '--file', newPath()]);
    expect(run.code).toBe(2);
    expect(run.stderr).not.toContain(key.slice(3));
  });
});
