/**
 * The import's stream client against an in-process fake of
 * StreamIdentifyUsers: acknowledgements, rejections traced to file lines,
 * and resuming after broken streams, lost acknowledgements, a server that
 * goes away and comes back, and one that never does.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { status } from '@grpc/grpc-js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseImportArgs, type ImportOptions } from '../../../src/cli/import/options.ts';
import { runImport } from '../../../src/cli/import/run.ts';
import type { UploadOptions } from '../../../src/cli/import/upload.ts';
import { startFakeServer, type FakeHooks, type FakeServer } from './fake-stream-server.ts';

const dir = await mkdtemp(join(tmpdir(), 'import-resume-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function fake(hooks: FakeHooks, port?: number): Promise<FakeServer> {
  const server = await startFakeServer(hooks, port);
  servers.push(server);
  return server;
}

interface Sample {
  readonly path: string;
  /** Ids that the fake stores. */
  readonly good: string[];
  /** Line number of each rejected row, by what the file says about it. */
  readonly badLines: number[];
  readonly malformedLines: number[];
}

/** `count` users, one per line; every 97th is rejected by the fake, every 250th line is not JSON. */
async function sample(name: string, count: number): Promise<Sample> {
  const lines: string[] = [];
  const good: string[] = [];
  const badLines: number[] = [];
  const malformedLines: number[] = [];
  for (let i = 0; i < count; i += 1) {
    if (i % 250 === 249) {
      lines.push('{"user_id": "broken", ');
      malformedLines.push(lines.length);
    }
    const id = i % 97 === 96 ? `bad-${i}` : `user-${i}`;
    lines.push(JSON.stringify({ user_id: id, name: `User ${i}`, email: `u${i}@example.com` }));
    if (id.startsWith('bad')) badLines.push(lines.length);
    else good.push(id);
  }
  const path = join(dir, `${name}.jsonl`);
  await writeFile(path, `${lines.join('\n')}\n`);
  return { path, good, badLines, malformedLines };
}

const FAST: Partial<UploadOptions> = { backoffMs: { initial: 5, max: 20 } };

async function run(args: string[], tuning: Partial<UploadOptions> = FAST) {
  const options = parseImportArgs(args) as ImportOptions;
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const code = await runImport(options, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    tuning,
  });
  let rejected: { line: number | null; user_id: string | null; reasons: { field: string; reason: string; description: string }[] }[] = [];
  try {
    rejected = (await readFile(options.rejectsFile, 'utf8')).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
  } catch {
    // no rejected rows
  }
  return { code, out, err, rejected };
}

function expectComplete(server: FakeServer, data: Sample, result: Awaited<ReturnType<typeof run>>): void {
  expect(server.state.mismatches).toEqual([]);
  expect([...server.state.users.keys()].sort()).toEqual([...data.good].sort());
  expect(result.code).toBe(1);
  const byServer = result.rejected.filter((r) => r.reasons[0]?.reason === 'INVALID_EMAIL');
  const malformed = result.rejected.filter((r) => r.reasons[0]?.reason === 'MALFORMED');
  expect(byServer.map((r) => r.line).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(data.badLines);
  expect(malformed.map((r) => r.line)).toEqual(data.malformedLines);
  expect(result.rejected).toHaveLength(data.badLines.length + data.malformedLines.length);
  expect(result.out).toContain(`rejected:  ${data.badLines.length} (by the service)`);
  expect(result.out).toContain(`malformed: ${data.malformedLines.length}`);
}

describe('import against a StreamIdentifyUsers fake', () => {
  it('sends every record once, in messages of --batch, and traces rejections to their lines', async () => {
    const server = await fake({ batchSize: 100 });
    const data = await sample('plain', 1050);
    const result = await run(['--address', server.address, '--batch', '100', data.path]);
    expectComplete(server, data, result);
    expect(server.state.starts).toEqual([0]);
    expect(server.state.duplicates).toBe(0);
    expect(result.out).toContain(`created:   ${data.good.length}`);
    expect(result.out).toMatch(/received: {2}1050 /);
  });

  it('exits 0 when every row is stored, and writes no rejected-rows file', async () => {
    const server = await fake({ batchSize: 500 });
    const path = join(dir, 'clean.jsonl');
    await writeFile(path, '{"user_id":"a","name":"A","email":"a@example.com"}\n\n{"userId":"b","name":"B","email":"b@example.com"}');
    const result = await run(['--address', server.address, path]);
    expect(result.code).toBe(0);
    expect(result.rejected).toEqual([]);
    expect([...server.state.users.keys()]).toEqual(['a', 'b']);
  });

  it('resumes from the last acknowledgement when a stream ends UNAVAILABLE', async () => {
    const server = await fake({
      batchSize: 50,
      afterAck: (state) => (state.acks % 3 === 0 ? status.UNAVAILABLE : undefined),
    });
    const data = await sample('unavailable', 1000);
    const result = await run(['--address', server.address, '--batch', '50', data.path]);
    expectComplete(server, data, result);
    // Every stream after the first starts where the last acknowledgement left off.
    expect(server.state.starts.length).toBeGreaterThan(5);
    expect(server.state.starts.slice(1).every((start) => start % 150 === 0)).toBe(true);
    expect(result.err).toMatch(/reconnecting/);
  });

  it('sends again what was committed but not acknowledged, at the same positions', async () => {
    let dropped = 0;
    const server = await fake({
      batchSize: 100,
      afterCommit: (state) => (state.acks % 2 === 1 && dropped < 4 ? (dropped += 1, 'drop-ack') : undefined),
    });
    const data = await sample('lost-ack', 800);
    const result = await run(['--address', server.address, '--batch', '100', data.path]);
    expectComplete(server, data, result);
    expect(server.state.duplicates).toBe(400);
  });

  it('reconnects with backoff when the server goes away and comes back on the same port', async () => {
    let killed = false;
    const server: FakeServer = await fake({
      batchSize: 100,
      afterAck: (state) => {
        if (state.acks === 3 && !killed) {
          killed = true;
          setImmediate(() => {
            server.kill();
            setTimeout(() => void server.restart(), 300);
          });
        }
        return undefined;
      },
    });
    const data = await sample('restart', 2000);
    const result = await run(['--address', server.address, '--batch', '100', data.path], { backoffMs: { initial: 50, max: 200 } });
    expectComplete(server, data, result);
    expect(server.state.starts.length).toBeGreaterThanOrEqual(2);
    expect(result.out).toMatch(/reconnects: [1-9]/);
  });

  it('ends the stream and continues on a new one when the server holds a partial batch', async () => {
    // The fake writes only full batches of 1000 (or at the end of a stream);
    // a window of 30 records never fills one.
    const server = await fake({ batchSize: 1000 });
    const data = await sample('stall', 300);
    const result = await run(['--address', server.address, '--batch', '10', data.path], { ...FAST, window: 30, stallMs: 100 });
    expectComplete(server, data, result);
    expect(server.state.starts).toEqual(Array.from({ length: 10 }, (_, i) => i * 30));
  });

  it('goes on in a new stream, without backoff, when a stream is longer than the service takes', async () => {
    const server = await fake({ batchSize: 100, maxPerStream: 250 });
    const data = await sample('too-long', 1000);
    const result = await run(['--address', server.address, '--batch', '50', data.path], { backoffMs: { initial: 60_000, max: 60_000 } });
    expectComplete(server, data, result);
    // Each stream commits two full batches, then fails on the record after 250.
    expect(server.state.starts).toEqual([0, 200, 400, 600, 800]);
    expect(result.err).toBe('');
  });

  it('gives up with status 3 when the service cannot be reached', async () => {
    const server = await fake({ batchSize: 100 });
    const { address } = server;
    server.kill();
    const data = await sample('unreachable', 10);
    const result = await run(['--address', address, '--retries', '2', data.path]);
    expect(result.code).toBe(3);
    expect(result.out).toContain('did NOT complete');
    expect(result.err.match(/reconnecting/g)).toHaveLength(2);
  });

  it('exits 2, sending nothing, when a CSV header has no id column', async () => {
    const server = await fake({ batchSize: 10 });
    const path = join(dir, 'no-id.csv');
    await writeFile(path, 'name,email\nAda,ada@example.com\n');
    const result = await run(['--address', server.address, path]);
    expect(result.code).toBe(2);
    expect(result.err).toContain('the header row has no id column');
    expect(server.state.positions.size).toBe(0);
  });

  it('does not retry a stream the service refuses', async () => {
    const server = await fake({ batchSize: 10, afterAck: () => status.INVALID_ARGUMENT });
    const data = await sample('refused', 100);
    const result = await run(['--address', server.address, '--batch', '10', data.path]);
    expect(result.code).toBe(3);
    expect(server.state.starts).toEqual([0]);
    expect(result.out).toContain('received:  10 ');
    expect(result.out).toContain('through line 10 of the file');
  });
});

describe('the users-import bin', () => {
  it('runs the command through its tsx launcher', async () => {
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const child = spawn(process.execPath, ['src/cli/users-import.mjs', '--help'], { cwd: root });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: npm run import -- \[options\] FILE/);
  });
});
