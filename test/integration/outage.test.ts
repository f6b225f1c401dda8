/**
 * The service in front of a MongoDB that stops answering: the app reaches
 * the run's MongoDB through a stall proxy (test/support/stall-proxy.ts) that
 * freezes it (a SIGSTOPped mongod: connections stay up, nothing answers) or
 * cuts it off. Calls must end UNAVAILABLE in bounded time rather than hang
 * or time out, and health must follow the database.
 */
import { credentials } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../src/app.ts';
import { UsersServiceClient } from '../../src/gen/herald/users/v1/users_service.js';
import { openTestDatabase, type TestDatabase } from '../support/mongo.ts';
import { mongoTarget, startStallProxy, type StallProxy } from '../support/stall-proxy.ts';
import { newUser } from './fixtures.ts';
import { capturedLogger, usersApi } from './harness.ts';
import { getUser, identifyUser, watchHealth, type HealthWatch } from './outage-helpers.ts';
import { TIMED_OUT, within } from '../support/within.ts';

/** Small timeouts, so that an outage is noticed and reported quickly. */
const SETTINGS = {
  healthProbeIntervalMs: 200,
  healthProbeTimeoutMs: 100,
  defaultDeadlineMs: 1_500,
  mongodbServerSelectionTimeoutMs: 300,
  shutdownGraceMs: 500,
} as const;

/**
 * How long past its deadline a call may take to be answered. The service
 * answers at the deadline itself; this is slack for a busy machine. Before
 * the fix such calls never ended.
 */
const ANSWER_SLACK_MS = 2_500;

/**
 * How long health may take to follow MongoDB: a few probe intervals, and
 * slack. Before the fix a freeze left it SERVING: the driver's own
 * monitoring keeps its open connection and its last good heartbeat.
 */
const HEALTH_BOUND_MS = 10 * SETTINGS.healthProbeIntervalMs;

/** How long a test waits for something that must happen before calling it missing. */
const GIVE_UP_MS = 15_000;

interface ProxiedService {
  readonly proxy: StallProxy;
  readonly app: RunningApp;
  readonly client: UsersServiceClient;
  readonly health: HealthWatch;
  readonly logs: Record<string, unknown>[];
  readonly mongo: TestDatabase;
}

const running: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
});

/** The app on a database of its own, reaching MongoDB only through a stall proxy. */
async function startProxiedService(): Promise<ProxiedService> {
  const mongo = await openTestDatabase();
  running.push(() => mongo.close());
  const proxy = await startStallProxy(mongoTarget(mongo.uri));
  running.push(() => proxy.close());
  const { logger, lines: logs } = capturedLogger();
  const app = await startApp({
    mongodbUri: proxy.uriFor(mongo.uri),
    mongodbDatabase: mongo.dbName,
    host: '127.0.0.1',
    port: 0,
    logger,
    ...SETTINGS,
  });
  running.push(async () => {
    // A thawed proxy lets the client close at once rather than after its bound.
    proxy.thaw();
    await app.stop();
  });
  const address = `127.0.0.1:${app.port}`;
  const client = new UsersServiceClient(address, credentials.createInsecure());
  const health = watchHealth(address);
  running.push(async () => {
    health.close();
    client.close();
  });
  return { proxy, app, client, health, logs, mongo };
}

describe('a frozen MongoDB', () => {
  it('GetUser and IdentifyUser without a deadline end UNAVAILABLE at the default deadline, and succeed after thaw', async () => {
    const { proxy, client } = await startProxiedService();
    const user = newUser();
    expect((await usersApi(client).identifyUser(user)).created).toBe(true);

    proxy.freeze();
    // No client deadline: the server's default deadline bounds the calls.
    const read = getUser(client, user.userId);
    const write = identifyUser(client, { userId: user.userId, name: 'written while frozen' });
    const outcomes = await within(GIVE_UP_MS, Promise.all([read.outcome, write.outcome]));
    if (outcomes === TIMED_OUT) {
      read.cancel();
      write.cancel();
      return expect.fail(`calls without a deadline were still pending ${GIVE_UP_MS} ms into the freeze`);
    }
    for (const outcome of outcomes) {
      expect({ code: outcome.code, reason: outcome.reason }).toEqual({ code: 'UNAVAILABLE', reason: 'DATABASE_UNAVAILABLE' });
      expect(outcome.elapsedMs).toBeLessThan(SETTINGS.defaultDeadlineMs + ANSWER_SLACK_MS);
    }

    // The connections those calls left behind do not stand in the way once MongoDB answers.
    proxy.thaw();
    expect(await within(GIVE_UP_MS, getUser(client, user.userId, 5_000).outcome)).toMatchObject({ code: 'OK' });
    expect(
      await within(GIVE_UP_MS, identifyUser(client, { userId: user.userId, name: 'after thaw' }, 5_000).outcome),
    ).toMatchObject({ code: 'OK' });
  });

  it('health turns NOT_SERVING within a few probe intervals, SERVING again after thaw, and calls succeed', async () => {
    const { proxy, client, health } = await startProxiedService();
    const user = newUser();
    expect((await usersApi(client).identifyUser(user)).created).toBe(true);
    await health.next('SERVING');

    const frozenAt = performance.now();
    const beforeFreeze = health.events.length;
    proxy.freeze();
    const notServing = await within(GIVE_UP_MS, health.next('NOT_SERVING', beforeFreeze));
    if (notServing === TIMED_OUT) {
      return expect.fail(`health still ${health.events.at(-1)?.status} ${GIVE_UP_MS} ms into the freeze`);
    }
    expect(notServing.at - frozenAt).toBeLessThan(HEALTH_BOUND_MS);

    const thawedAt = performance.now();
    const beforeThaw = health.events.length;
    proxy.thaw();
    const serving = await within(GIVE_UP_MS, health.next('SERVING', beforeThaw));
    if (serving === TIMED_OUT) {
      return expect.fail(`health still ${health.events.at(-1)?.status} ${GIVE_UP_MS} ms after thaw`);
    }
    expect(serving.at - thawedAt).toBeLessThan(HEALTH_BOUND_MS);

    expect(await within(GIVE_UP_MS, getUser(client, user.userId, 5_000).outcome)).toMatchObject({ code: 'OK' });
  });
});

describe('MongoDB cut off during a transaction', () => {
  it('IdentifyUser with a distant client deadline ends UNAVAILABLE, not DEADLINE_EXCEEDED, well before that deadline', async () => {
    const { proxy, client, logs } = await startProxiedService();
    const user = newUser();
    expect((await usersApi(client).identifyUser(user)).created).toBe(true);

    // The identify's transaction is under way against a database that does not answer...
    const clientDeadlineMs = 20_000;
    proxy.freeze();
    const call = identifyUser(client, { userId: user.userId, name: 'written during the outage' }, clientDeadlineMs);
    await call.started;
    // ... when its connections die; new ones hang, as with a host that has gone.
    proxy.cutAll();

    const outcome = await within(GIVE_UP_MS, call.outcome);
    if (outcome === TIMED_OUT) {
      call.cancel();
      return expect.fail(`IdentifyUser was still pending ${GIVE_UP_MS} ms into the outage`);
    }
    expect({ code: outcome.code, reason: outcome.reason }).toEqual({ code: 'UNAVAILABLE', reason: 'DATABASE_UNAVAILABLE' });
    // Server selection gives up after mongodbServerSelectionTimeoutMs; the
    // call must not wait for the caller's deadline to say so.
    expect(outcome.elapsedMs).toBeLessThan(clientDeadlineMs / 2);

    const line = logs.find((entry) => entry['method'] === 'IdentifyUser' && entry['code'] === 'UNAVAILABLE');
    expect(line).toMatchObject({ reason: 'DATABASE_UNAVAILABLE' });
  });
});
