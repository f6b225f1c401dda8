/**
 * Graceful shutdown: calls in flight when stop() begins finish and get
 * their answer; calls still running after the grace period are cancelled so
 * that stop() always ends.
 *
 * A call is held in flight by an open transaction of the test's own that
 * has written the same user: the service's identify keeps meeting a write
 * conflict (and retrying) until that transaction ends.
 */
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import type { ClientSession } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { IdentifyUserRequest, type IdentifyUserResponse } from '../../src/gen/herald/users/v1/users_service.js';
import { newUser } from './fixtures.ts';
import { startTestService, type TestService } from './harness.ts';

/** Opens a transaction that writes `userId` and stays open. */
async function holdUser(service: TestService, userId: string): Promise<ClientSession> {
  const session = service.mongo.client.startSession();
  session.startTransaction({ readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' } });
  await service.mongo.db
    .collection<{ _id: string; name?: string }>('users')
    .updateOne({ _id: userId }, { $set: { name: 'held' } }, { session });
  return session;
}

/**
 * Starts an identify of `userId`. `started` resolves when the response
 * headers arrive, which the server sends as the handler begins: from then on
 * the call is in flight on the server.
 */
function identifyInFlight(service: TestService, userId: string) {
  let headersArrived: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (headersArrived = resolve));
  const outcome = new Promise<{ error: ServiceError | null; response: IdentifyUserResponse | undefined }>(
    (resolve) => {
      const call = service.client.identifyUser(
        IdentifyUserRequest.fromPartial({ userId, name: 'renamed during shutdown' }),
        new Metadata(),
        (error, response) => resolve({ error, response }),
      );
      call.on('metadata', () => headersArrived());
    },
  );
  return { started, outcome };
}

describe('stop()', () => {
  it('lets a call in flight finish and answer before it resolves', async () => {
    const service = await startTestService({ shutdownGraceMs: 20_000 });
    const user = newUser();
    await service.api.identifyUser(user);
    const blocker = await holdUser(service, user.userId);

    const call = identifyInFlight(service, user.userId);
    await call.started;
    const stopping = service.stop();
    await blocker.abortTransaction();
    await blocker.endSession();

    const { error, response } = await call.outcome;
    expect(error).toBeNull();
    expect(response?.user?.name).toBe('renamed during shutdown');
    await stopping;
  });

  it('cancels what is still running after the grace period, and still resolves', async () => {
    const service = await startTestService({ shutdownGraceMs: 300 });
    const user = newUser();
    await service.api.identifyUser(user);
    const blocker = await holdUser(service, user.userId);
    try {
      const call = identifyInFlight(service, user.userId);
      await call.started;
      const started = Date.now();
      // The service's own stop, not the harness's service.stop(): that one also
      // drops the test database, and on MongoDB a dropDatabase waits for the
      // blocker's open transaction to release its locks ("New DDL operations
      // that require locks on those collections or their parent databases must
      // wait until the transaction releases its locks": MongoDB manual,
      // Transactions > Production Considerations > Pending DDL Operations and
      // Transactions; SERVER-35290), i.e. until the 60 s transaction lifetime
      // limit aborts it. The blocker is aborted first, then the harness cleans up.
      await service.app.stop();
      expect(Date.now() - started).toBeLessThan(10_000);
      const { error } = await call.outcome;
      expect(error?.code).toBeOneOf([status.CANCELLED, status.UNAVAILABLE]);
    } finally {
      await blocker.abortTransaction();
      await blocker.endSession();
      await service.stop();
    }
  });
});
