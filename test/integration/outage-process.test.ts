/**
 * The entry point (`node --import tsx src/main.ts`) as a process when
 * things go wrong: told to stop while MongoDB is frozen under calls in
 * flight, and told to listen on a port that is taken. It must exit in
 * bounded time with the documented status and say what happened in its log.
 */
import net, { type AddressInfo } from 'node:net';
import { credentials } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/exit-codes.ts';
import { UsersServiceClient } from '../../src/gen/herald/users/v1/users_service.js';
import { mongoConnection } from '../support/mongo.ts';
import { mongoTarget, startStallProxy } from '../support/stall-proxy.ts';
import { newUser } from './fixtures.ts';
import { usersApi } from './harness.ts';
import { spawnMain as spawnMainProcess, scratchDatabase, type MainProcess } from './main-process.ts';
import { getUser, identifyUser } from './outage-helpers.ts';
import { TIMED_OUT, within } from '../support/within.ts';

const { uri } = mongoConnection();
const database = scratchDatabase('test_outage_process');

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

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Spawns src/main.ts in this file's database; killed after the test if still running. */
function spawnMain(env: Record<string, string>): MainProcess {
  const main = spawnMainProcess({ MONGODB_DATABASE: database, ...env });
  cleanups.push(() => {
    if (main.child.exitCode === null && main.child.signalCode === null) main.child.kill('SIGKILL');
  });
  return main;
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
