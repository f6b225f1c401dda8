/**
 * The entry point (`node --import tsx src/main.ts`) as a process when
 * things go wrong: told to stop while MongoDB is frozen under calls in
 * flight, and told to listen on a port that is taken. It must exit in
 * bounded time with the documented status and say what happened in its log.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { credentials } from '@grpc/grpc-js';
import { MongoClient } from 'mongodb';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/exit-codes.ts';
import { UsersServiceClient } from '../../src/gen/herald/users/v1/users_service.js';
import { mongoConnection } from '../support/mongo.ts';
import { mongoTarget, startStallProxy } from '../support/stall-proxy.ts';
import { newUser } from './fixtures.ts';
import { usersApi } from './harness.ts';
import { getUser, identifyUser } from './outage-helpers.ts';
import { TIMED_OUT, within } from '../support/within.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { uri } = mongoConnection();
const database = `test_outage_process_${randomBytes(4).toString('hex')}`;

const SHUTDOWN_GRACE_MS = 500;
/**
 * The most shutdown may take: the grace period, 3 s for closing the MongoDB
 * client, and 2 s of slack, after which serve.ts's watchdog exits whatever
 * hangs. Before the fix a frozen MongoDB held the process up indefinitely.
 */
const CLOSE_BOUND_MS = 3_000;
const WATCHDOG_SLACK_MS = 2_000;
/** Time for the process to be scheduled, flush its log and be reaped. */
const EXIT_SLACK_MS = 1_000;
const SHUTDOWN_BOUND_MS = SHUTDOWN_GRACE_MS + CLOSE_BOUND_MS + WATCHDOG_SLACK_MS + EXIT_SLACK_MS;

afterAll(async () => {
  const client = new MongoClient(uri);
  try {
    await client.db(database).dropDatabase();
  } finally {
    await client.close();
  }
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Main {
  readonly child: ChildProcessWithoutNullStreams;
  /** Every stdout line, parsed (pino JSON). */
  readonly lines: Record<string, unknown>[];
  readonly stderr: () => string;
  /** Resolves when the process has exited and its output is read to the end. */
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the port of the "serving" line; rejects if the process ends first. */
  readonly serving: Promise<number>;
}

/** Spawns src/main.ts with `env` over the test environment. */
function spawnMain(env: Record<string, string>): Main {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, MONGODB_DATABASE: database, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
  });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
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

/** pino's numeric levels. */
const ERROR = 50;
const FATAL = 60;

describe('SIGTERM while MongoDB is frozen', () => {
  it('exits within grace + close bound + slack, status 3, calls logged as cancelled by shutdown, no INTERNAL error', async () => {
    const proxy = await startStallProxy(mongoTarget(uri));
    cleanups.push(() => proxy.close());
    const main = spawnMain({
      MONGODB_URI: proxy.uriFor(uri),
      PORT: '0',
      SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS),
      // Longer than the grace period: the calls below are still waiting when it ends.
      GRPC_DEFAULT_DEADLINE_MS: '15000',
      // Longer than the whole shutdown too: with a short one, a call that needs
      // a new connection to the frozen server (the other call holds the pooled
      // one) fails on its own, UNAVAILABLE, before the grace period ends.
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: '15000',
      HEALTH_PROBE_INTERVAL_MS: '200',
      HEALTH_PROBE_TIMEOUT_MS: '100',
    });
    const port = await main.serving;
    const client = new UsersServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    cleanups.push(() => client.close());
    const user = newUser();
    expect((await usersApi(client).identifyUser(user)).created).toBe(true);

    proxy.freeze();
    // A read and a write in a transaction, neither with a deadline of its own.
    const calls = [getUser(client, user.userId), identifyUser(client, { userId: user.userId, name: 'during shutdown' })];
    cleanups.push(() => calls.forEach((call) => call.cancel()));
    await Promise.all(calls.map((call) => call.started));

    const signalledAt = performance.now();
    main.child.kill('SIGTERM');
    const closed = await within(SHUTDOWN_BOUND_MS + 10_000, main.closed);
    if (closed === TIMED_OUT) {
      return expect.fail(`still running ${SHUTDOWN_BOUND_MS + 10_000} ms after SIGTERM; log: ${JSON.stringify(main.lines)}`);
    }
    const { code, signal } = closed;
    const exitMs = Math.round(performance.now() - signalledAt);

    const callLines = main.lines.filter(
      (line) => (line['method'] === 'GetUser' || line['method'] === 'IdentifyUser') && line['code'] !== 'OK',
    );
    const context = JSON.stringify({ code, signal, exitMs, lines: main.lines, stderr: main.stderr() }, null, 1);
    expect(signal, context).toBeNull();
    expect(exitMs, context).toBeLessThan(SHUTDOWN_BOUND_MS);

    // One line per call, each after the shutdown began and saying the shutdown ended it.
    expect(callLines.map((line) => line['method']).sort(), context).toEqual(['GetUser', 'IdentifyUser']);
    const shutdownAt = main.lines.findIndex((line) => line['msg'] === 'shutting down');
    expect(shutdownAt, context).toBeGreaterThan(-1);
    expect(callLines.every((line) => main.lines.indexOf(line) > shutdownAt), context).toBe(true);
    for (const line of callLines) {
      const byShutdown =
        (line['code'] === 'CANCELLED' && line['cancelledBy'] === 'shutdown') ||
        (line['code'] === 'UNAVAILABLE' && line['reason'] === 'SHUTTING_DOWN');
      expect(byShutdown, `${JSON.stringify(line)}\n${context}`).toBe(true);
    }
    const abandoned = callLines.some((line) => line['code'] === 'CANCELLED');
    expect(code, context).toBe(abandoned ? EXIT_CODES.SHUTDOWN_FORCED : EXIT_CODES.OK);

    // Nothing the shutdown did is reported as a fault of the service.
    const faults = main.lines.filter(
      (line) => Number(line['level']) >= ERROR && /INTERNAL|MongoExpiredSessionError/.test(JSON.stringify(line)),
    );
    expect(faults, context).toEqual([]);
    const stopped = main.lines.filter((line) => typeof line['msg'] === 'string' && line['msg'].startsWith('stopped'));
    expect(stopped.map((line) => line['exitCode']), context).toEqual([code]);

    // The callers were answered, not left waiting.
    for (const call of calls) expect((await call.outcome).code).not.toBe('OK');
  });
});

describe('a port that is already in use', () => {
  it('exits with status 4 and one fatal line naming the address and EADDRINUSE, no stack trace on stderr', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve, reject) => {
      holder.once('error', reject);
      holder.listen(0, '127.0.0.1', resolve);
    });
    cleanups.push(() => new Promise<void>((resolve) => holder.close(() => resolve())));
    const { port } = holder.address() as AddressInfo;

    const main = spawnMain({ MONGODB_URI: uri, PORT: String(port) });
    const { code, signal } = await main.closed;
    const context = JSON.stringify({ code, signal, lines: main.lines, stderr: main.stderr() }, null, 1);

    expect(code, context).toBe(EXIT_CODES.BIND_FAILED);
    const fatal = main.lines.filter((line) => Number(line['level']) >= FATAL);
    expect(fatal, context).toHaveLength(1);
    expect(fatal[0]?.['msg'], context).toContain(`127.0.0.1:${port}`);
    expect(fatal[0]?.['msg'], context).toContain('EADDRINUSE');
    expect(main.lines.some((line) => typeof line['msg'] === 'string' && line['msg'].startsWith('serving ')), context).toBe(false);
    expect(main.stderr(), context).not.toMatch(/^\s+at /m);
  });
});
