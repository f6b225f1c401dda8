/**
 * The entry point as an operator runs it, `node --import tsx src/main.ts`,
 * in a child process: its stdout log lines parsed, its stderr kept, and
 * the moments it serves and exits as promises. Each test file works in a
 * scratch database of its own, dropped after the file.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { afterAll } from 'vitest';
import { mongoConnection } from '../support/mongo.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A started src/main.ts. */
export interface MainProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Every stdout line, parsed (pino JSON); a line that is not JSON as `{ unparsed }`. */
  readonly lines: Record<string, unknown>[];
  readonly stderr: () => string;
  /** Resolves when the process has exited and its output is read to the end. */
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the port of the "serving" line; rejects if the process ends first. */
  readonly serving: Promise<number>;
}

/** A database name of the file's own on the run's MongoDB, dropped after the file's tests. */
export function scratchDatabase(prefix: string): string {
  const database = `${prefix}_${randomBytes(4).toString('hex')}`;
  afterAll(async () => {
    const client = new MongoClient(mongoConnection().uri);
    try {
      await client.db(database).dropDatabase();
    } finally {
      await client.close();
    }
  });
  return database;
}

/**
 * Spawns src/main.ts on 127.0.0.1 at log level info, with `env` over the
 * test environment; a variable given as undefined is removed (e.g. HOST, to
 * see the default).
 */
export function spawnMain(env: Record<string, string | undefined>): MainProcess {
  const merged: Record<string, string | undefined> = { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env: merged });
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const serving = new Promise<number>((resolve, reject) => {
    void closed.then(({ code }) => reject(new Error(`main.ts exited with ${code} before serving; stderr: ${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        parsed = { unparsed: line };
      }
      lines.push(parsed);
      if (typeof parsed['msg'] === 'string' && parsed['msg'].startsWith('serving ')) resolve(parsed['port'] as number);
    });
  });
  serving.catch(() => {}); // a test that expects no serving line awaits `closed` instead
  return { child, lines, stderr: () => stderr, closed, serving };
}
