/**
 * The caller's deadline bounds the work the service does for the call: a
 * transaction that keeps losing write conflicts stops retrying when the
 * caller stops waiting, instead of retrying for the driver's default two
 * minutes.
 */
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { describe, expect, vi } from 'vitest';
import { IdentifyUserRequest } from '../../src/gen/herald/users/v1/users_service.js';
import { newUser } from './fixtures.ts';
import { startTestService } from './harness.ts';
import { unlessDocumentdb } from '../support/documentdb-departures.ts';

const service = await startTestService();

describe('call deadlines', () => {
  unlessDocumentdb('ERRORS_MASKED_UNDER_TIME_LIMIT')('end a transaction that a concurrent transaction keeps blocking', async () => {
    const { api, client, mongo, logs } = service;
    const request = newUser();
    await api.identifyUser(request);

    // Another transaction writes the same user and stays open: every attempt
    // of the identify below meets a write conflict.
    const blocker = mongo.client.startSession();
    blocker.startTransaction({ readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' } });
    await mongo.db
      .collection<{ _id: string; name?: string }>('users')
      .updateOne({ _id: request.userId }, { $set: { name: 'held by another transaction' } }, { session: blocker });

    try {
      const started = Date.now();
      const error = await new Promise<ServiceError>((resolve, reject) => {
        client.identifyUser(
          IdentifyUserRequest.fromPartial({ userId: request.userId, name: 'Ada again' }),
          new Metadata(),
          { deadline: Date.now() + 1_500 },
          (err) => (err ? resolve(err) : reject(new Error('the identify succeeded behind an open conflicting write'))),
        );
      });
      expect(error.code).toBe(status.DEADLINE_EXCEEDED);

      // The server gave up too, near the deadline, and said so in its log.
      const line = await vi.waitFor(
        () => {
          const found = logs.find((entry) => entry['method'] === 'IdentifyUser' && entry['code'] !== 'OK');
          if (found === undefined) throw new Error('no log line for the failed IdentifyUser yet');
          return found;
        },
        { timeout: 10_000, interval: 50 },
      );
      expect(line['code']).toBe('DEADLINE_EXCEEDED');
      expect(line['durationMs']).toBeLessThan(5_000);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await blocker.abortTransaction();
      await blocker.endSession();
    }

    // Nothing of the timed-out call was written, and the user is writable again.
    const stored = await api.getUser({ userId: request.userId });
    expect(stored.user?.name).toBe(request.name);
    const again = await api.identifyUser({ userId: request.userId, name: 'Ada again' });
    expect(again.user?.name).toBe('Ada again');
  });
});
