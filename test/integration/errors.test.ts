/**
 * The error model over the wire: each status code the service gives arrives
 * with its google.rpc details (ErrorInfo of domain herald.users.v1 and a
 * catalogue reason), and internal causes never reach the client.
 */
import { credentials, status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { startApp } from '../../src/app.ts';
import { UsersServiceClient } from '../../src/gen/herald/users/v1/users_service.js';
import { startEmulator } from '../../src/mongo-emulator/index.ts';
import { counts, expectError, expectViolations, newUser, requestIdMetadata, storedUser, uniqueId } from './fixtures.ts';
import { capturedLogger, grpcError, startTestService, usersApi } from './harness.ts';
import { healthClient } from './service-clients.ts';
import { unlessDocumentdb } from '../support/documentdb-departures.ts';

const { api, mongo, logs } = await startTestService();

describe('status codes and their details', () => {
  it('INVALID_ARGUMENT carries ErrorInfo and a BadRequest', async () => {
    const details = await expectViolations(api.identifyUser(newUser({ email: 'nope' })), [
      { field: 'email', reason: 'INVALID_EMAIL' },
    ]);
    expect(details.message).toContain('email');
    expect(details.preconditionFailure).toBeUndefined();
  });

  it('NOT_FOUND carries the reason that says what is missing and the ids looked up', async () => {
    const user = newUser();
    await api.identifyUser(user);
    const { userId } = user;
    const cases = [
      [() => api.getUser({ userId: 'missing' }), 'USER_NOT_FOUND', { user_id: 'missing' }],
      [() => api.getChannelData({ userId, channelId: 'c' }), 'CHANNEL_DATA_NOT_FOUND', { user_id: userId, channel_id: 'c' }],
      [
        () => api.getPreferences({ userId, preferenceSetId: 'p' }),
        'PREFERENCE_SET_NOT_FOUND',
        { user_id: userId, preference_set_id: 'p' },
      ],
    ] as const;
    for (const [call, reason, metadata] of cases) {
      const { details } = await expectError(call(), status.NOT_FOUND, reason);
      expect(details.errorInfo?.metadata).toEqual(metadata);
      expect(details.badRequest).toBeUndefined();
    }
  });

  it('ABORTED VERSION_MISMATCH carries a PreconditionFailure', async () => {
    const user = newUser();
    await api.identifyUser(user);
    const { details } = await expectError(
      api.identifyUser({ userId: user.userId, expectedVersion: 'stale' }),
      status.ABORTED,
      'VERSION_MISMATCH',
    );
    expect(details.preconditionFailure?.violations).toMatchObject([{ type: 'VERSION', subject: `users/${user.userId}` }]);
  });

  it('ABORTED WRITE_CONFLICT when a write inside the transaction loses to a unique index; nothing of it stays', async () => {
    // Every channel data document of this file's database carries data.token,
    // so this extra unique index only ever collides on purpose.
    await mongo.db.collection('channel_data').createIndex({ 'data.token': 1 }, { unique: true, name: 'test_unique_token' });
    const holder = newUser({ channelData: [{ channelId: 'push', data: { token: 'taken' } }] });
    await api.identifyUser(holder);

    const newcomer = newUser({ channelData: [{ channelId: 'push', data: { token: 'taken' } }], preferences: [{ id: 'p' }] });
    const { error } = await expectError(api.identifyUser(newcomer), status.ABORTED, 'WRITE_CONFLICT');
    expect(error.details).not.toMatch(/E11000|duplicate|test_unique_token/i);
    expect(await counts(mongo.db, newcomer.userId)).toEqual({ users: 0, channelData: 0, preferenceSets: 0 });

    const existing = newUser({ properties: { plan: 'free' } });
    await api.identifyUser(existing);
    const before = await storedUser(mongo.db, existing.userId);
    await expectError(
      api.identifyUser({
        userId: existing.userId,
        name: 'Changed',
        properties: { plan: 'pro' },
        channelData: [{ channelId: 'push', data: { token: 'taken' } }],
        preferences: [{ id: 'p' }],
      }),
      status.ABORTED,
      'WRITE_CONFLICT',
    );
    expect(await storedUser(mongo.db, existing.userId)).toEqual(before);
    expect(await counts(mongo.db, existing.userId)).toEqual({ users: 1, channelData: 0, preferenceSets: 0 });
  });

  unlessDocumentdb('ERRORS_MASKED_UNDER_TIME_LIMIT')('INTERNAL says only "internal error" on the wire and logs the cause', async () => {
    // A document no version of the service writes: properties is not an object.
    const userId = uniqueId('corrupt');
    const now = new Date();
    await mongo.db.collection<{ _id: string; [key: string]: unknown }>('users').insertOne({
      _id: userId,
      name: 'Corrupt',
      email: 'corrupt@example.com',
      properties: 'PoisonedValue',
      createdAt: now,
      updatedAt: now,
      v: 'v0',
    });
    const { error, details } = await expectError(
      api.identifyUser({ userId, properties: { a: 1 } }, requestIdMetadata('internal-1')),
      status.INTERNAL,
      'INTERNAL',
    );
    expect(error.details).toBe('internal error');
    expect(JSON.stringify(details)).not.toMatch(/PoisonedValue|mergeObjects|Mongo/);
    expect(details.badRequest).toBeUndefined();
    const lines = logs.filter((line) => line['requestId'] === 'internal-1');
    expect(lines).toMatchObject([{ code: 'INTERNAL', reason: 'INTERNAL', err: expect.anything() }]);
    expect((await storedUser(mongo.db, userId))?.['v']).toBe('v0');
  });

  it('a BadRequest too large for a trailer is cut, and what was cut is counted', async () => {
    const properties = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`$${i}-${'k'.repeat(200)}`, i]));
    const request = newUser({ properties });
    const { error, details } = await expectError(api.identifyUser(request), status.INVALID_ARGUMENT, 'INVALID_ARGUMENT');
    const listed = details.badRequest?.fieldViolations ?? [];
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((v) => v.reason === 'INVALID_KEY')).toBe(true);
    expect(listed.length + Number(details.errorInfo?.metadata['omitted_violations'] ?? '0')).toBe(150);
    expect(error.details).toMatch(/^150 problems in the request/);
    expect(await counts(mongo.db, request.userId)).toMatchObject({ users: 0 });
  });
});

describe('UNAVAILABLE', () => {
  it('DATABASE_UNAVAILABLE when MongoDB goes away, with no driver text, and health turns NOT_SERVING', async () => {
    // The one test that runs its own MongoDB: it needs one that goes away.
    const emulator = await startEmulator({ host: '127.0.0.1', port: 0, replicaSetName: 'rs0' });
    const { logger, lines } = capturedLogger();
    const app = await startApp({
      mongodbUri: emulator.uri,
      mongodbDatabase: 'unavailable_test',
      host: '127.0.0.1',
      port: 0,
      maxReceiveMessageBytes: 4 * 1024 * 1024,
      shutdownGraceMs: 2_000,
      mongodbServerSelectionTimeoutMs: 300,
      logger,
    });
    const client = new UsersServiceClient(`127.0.0.1:${app.port}`, credentials.createInsecure());
    const health = healthClient(`127.0.0.1:${app.port}`);
    const watch = health.watch({ service: 'herald.users.v1.UsersService' });
    let emulatorClosed: Promise<void> | undefined;
    const closeEmulator = (): Promise<void> => (emulatorClosed ??= emulator.close());
    try {
      const down = usersApi(client);
      const user = newUser();
      expect((await down.identifyUser(user)).created).toBe(true);
      const notServing = new Promise<void>((resolve) => {
        watch.on('data', (response: { status: string }) => {
          if (response.status === 'NOT_SERVING') resolve();
        });
      });
      watch.on('error', () => {}); // cancelled below

      await closeEmulator();

      // Every call from the moment MongoDB is gone: reads, and writes in a transaction.
      const hostPort = new URL(emulator.uri.replace(/^mongodb:/, 'http:')).host;
      const calls = [
        () => down.getUser({ userId: user.userId }),
        () => down.identifyUser({ userId: user.userId, name: 'x' }),
        () => down.getUser({ userId: user.userId }),
      ];
      const outcomes: { code: string; reason: string | undefined; domain: string | undefined }[] = [];
      for (const call of calls) {
        const { error, details } = await grpcError(call());
        outcomes.push({ code: status[error.code], reason: details.errorInfo?.reason, domain: details.errorInfo?.domain });
        for (const text of [error.details, JSON.stringify(details)]) {
          expect(text).not.toContain(hostPort);
          expect(text).not.toMatch(/Mongo|ECONNREFUSED|EPIPE|selection|topology|socket/i);
        }
      }
      await notServing;
      expect(outcomes).toEqual(
        calls.map(() => ({ code: 'UNAVAILABLE', reason: 'DATABASE_UNAVAILABLE', domain: 'herald.users.v1' })),
      );
    } finally {
      watch.cancel();
      health.close();
      client.close();
      await app.stop();
      await closeEmulator();
    }
    expect(lines.filter((line) => line['level'] === 40 && line['graceMs'] !== undefined)).toEqual([]);
  });
});
