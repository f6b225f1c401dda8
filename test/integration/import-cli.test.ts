/**
 * The import command end to end: `node --import tsx src/cli/import.ts` in a
 * child process against the real service, on the JSON Lines and CSV samples
 * in test/fixtures/import (copied to a scratch folder, since the command
 * writes its rejected rows beside its input). Each sample holds a row that
 * cannot be read and records the service refuses.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { status } from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { grpcError, startTestService } from './harness.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = join(ROOT, 'test/fixtures/import');

const service = await startTestService();
const dir = await mkdtemp(join(tmpdir(), 'import-cli-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the command as an operator would; the service answers from this process meanwhile. */
function runImport(args: string[]): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/import.ts', ...args], { cwd: ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

async function fixture(name: string): Promise<string> {
  const path = join(dir, name);
  await copyFile(join(FIXTURES, name), path);
  return path;
}

interface RejectedRow {
  line: number | null;
  user_id: string | null;
  reasons: { field: string; reason: string; description: string }[];
}

async function rejectedRows(input: string): Promise<RejectedRow[]> {
  const text = await readFile(`${input}.rejected.jsonl`, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as RejectedRow)
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

async function expectNoUser(userId: string): Promise<void> {
  const { error } = await grpcError(service.api.getUser({ userId }));
  expect(error.code).toBe(status.NOT_FOUND);
}

describe('npm run import', () => {
  it('imports a JSON Lines file, and writes the unreadable and refused rows with their lines', async () => {
    const input = await fixture('users.jsonl');
    const run = await runImport(['--address', service.address, '--batch', '2', input]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/received: {2}5 /);
    expect(run.stdout).toMatch(/created: {3}2\n/);
    expect(run.stdout).toMatch(/updated: {3}1\n/);
    expect(run.stdout).toMatch(/rejected: {2}2 /);
    expect(run.stdout).toMatch(/malformed: 1 /);

    const ada = (await service.api.getUser({ userId: 'imp-ada' })).user;
    // Line 7 merged seats into the traits line 1 created.
    expect(ada).toMatchObject({ name: 'Ada Lovelace', phoneNumber: '+14155550123', locale: 'en-GB', properties: { plan: 'pro', seats: 5 } });
    const grace = await service.api.getChannelData({ userId: 'imp-grace', channelId: 'slack' });
    expect(grace.channelData?.data).toEqual({ channel: 'C123' });
    await expectNoUser('imp-broken');
    await expectNoUser('imp-bad-email');
    await expectNoUser('imp-nameless');

    const rows = await rejectedRows(input);
    expect(rows.map((row) => [row.line, row.user_id, row.reasons.map((r) => `${r.field}:${r.reason}`)])).toEqual([
      [3, null, [':MALFORMED']],
      [4, 'imp-bad-email', ['email:INVALID_EMAIL']],
      [6, 'imp-nameless', ['name:REQUIRED']],
    ]);
    for (const row of rows) expect(row.reasons[0]?.description).not.toBe('');
  });

  it('imports a CSV file: known columns as fields, the others as string traits, replacing traits with --mode replace', async () => {
    await service.api.identifyUser({ userId: 'csv-ada', name: 'Ada', email: 'old@example.com', properties: { legacy: 'yes' } });
    const input = await fixture('users.csv');
    const run = await runImport(['--address', service.address, '--mode', 'replace', input]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/created: {3}1\n/);
    expect(run.stdout).toMatch(/updated: {3}1\n/);

    const ada = (await service.api.getUser({ userId: 'csv-ada' })).user;
    expect(ada).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com', timezone: 'Europe/London' });
    expect(ada?.properties).toEqual({ plan: 'pro', team: 'Engines, Analytical' });
    const carol = (await service.api.getUser({ userId: 'csv-carol' })).user;
    expect(carol).toMatchObject({ name: 'Carol', timezone: 'America/New_York', properties: { plan: 'team', team: 'multi\nline' } });
    expect(carol?.phoneNumber).toBeUndefined();
    await expectNoUser('csv-bob');
    await expectNoUser('csv-short');
    await expectNoUser('csv-noname');

    const rows = await rejectedRows(input);
    expect(rows.map((row) => [row.line, row.user_id, row.reasons.map((r) => `${r.field}:${r.reason}`)])).toEqual([
      [3, 'csv-bob', ['email:INVALID_EMAIL']],
      [6, 'csv-short', [':MALFORMED']],
      [7, 'csv-noname', ['name:REQUIRED']],
    ]);
    expect(rows[1]?.reasons[0]?.description).toBe('the row has 3 columns, the header 8');
  });

  it('exits 0 and leaves no rejected-rows file when every row is stored; a stale one is removed', async () => {
    const input = join(dir, 'clean.ndjson');
    const users = Array.from({ length: 1200 }, (_, i) => JSON.stringify({ user_id: `clean-${i}`, name: `User ${i}`, email: `u${i}@example.com` }));
    await writeFile(input, `${users.join('\n')}\n`);
    await writeFile(`${input}.rejected.jsonl`, '{"line":1}\n');
    const run = await runImport(['--address', service.address, input]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/created: {3}1200\n/);
    await expect(readFile(`${input}.rejected.jsonl`)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await service.mongo.db.collection('users').countDocuments({ _id: { $regex: '^clean-' } } as never)).toBe(1200);
  });

  it('goes on in new streams from the last acknowledgement when the service ends a stream as too long', async () => {
    const limited = await startTestService({ bulkBatchSize: 100, bulkMaxUsersPerStream: 250 });
    const input = join(dir, 'long.jsonl');
    const users = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ user_id: `long-${i}`, name: `User ${i}`, email: `l${i}@example.com` }));
    await writeFile(input, `${users.join('\n')}\n`);
    const run = await runImport(['--address', limited.address, '--batch', '50', input]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/created: {3}1000\n/);
    expect(run.stdout).toMatch(/reconnects: [1-9]/);
    expect(await limited.mongo.db.collection('users').countDocuments()).toBe(1000);
    const streams = limited.logs.filter((line) => line['method'] === 'StreamIdentifyUsers');
    expect(streams.length).toBeGreaterThan(1);
    expect(streams.filter((line) => line['code'] === 'OK')).toHaveLength(1);
  });

  it('exits 3 when the service cannot be reached, after its retries', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const input = await fixture('users.jsonl');
    const run = await runImport(['--address', `127.0.0.1:${port}`, '--retries', '1', input]);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('did NOT complete');
    expect(run.stderr).toMatch(/reconnecting in \d+ ms \(attempt 1 of 1\)/);
  });

  it('exits 2 on a bad command line', async () => {
    const run = await runImport(['--batch', '5000', 'users.jsonl']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--batch must be 1 to 1000');
    expect(run.stderr).toContain('Usage:');
  });
});
