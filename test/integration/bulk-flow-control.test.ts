/**
 * Flow control of a bulk identify stream, counted rather than timed: while
 * a batch is being written, the stream is read no further, so the server
 * holds one batch however fast the client sends.
 */
import { describe, expect, it } from 'vitest';
import { identifyStream, type StreamMessage } from '../../src/bulk/identify-stream.ts';
import { usersDatabase } from '../../src/users/database.ts';
import { ensureSchema } from '../../src/schema.ts';
import { IdentifyUserRequest } from '../../src/gen/herald/users/v1/users_service.js';
import { useTestDatabase } from '../support/mongo.ts';
import { newUser } from './fixtures.ts';
import { hookedClient, signal } from './transaction-hooks.ts';

const mongo = await useTestDatabase();
await ensureSchema(mongo.db);

describe('bulk identify flow control', () => {
  it('pulls no message while a batch is being written', async () => {
    const PER_MESSAGE = 5;
    const BATCH = 20;
    const MESSAGES = 12;
    const firstBatchStarted = signal();
    const releaseFirstBatch = signal();
    let transactions = 0;
    const db = usersDatabase(
      hookedClient(mongo.client, async (_session, work) => {
        transactions += 1;
        if (transactions === 1) {
          firstBatchStarted.fire();
          await releaseFirstBatch.promise;
        }
        return work();
      }),
      mongo.db,
    );
    let pulled = 0;
    async function* client(): AsyncGenerator<StreamMessage> {
      for (let i = 0; i < MESSAGES; i += 1) {
        pulled += 1;
        yield { users: Array.from({ length: PER_MESSAGE }, () => IdentifyUserRequest.fromPartial(newUser())) };
      }
    }

    const done = identifyStream(client(), {
      db,
      limits: { batchSize: BATCH, maxUsersPerStream: 1_000, batchTimeoutMs: 30_000 },
      stopped: () => false,
      keepRejections: 0,
    });
    await firstBatchStarted.promise;
    // Let anything that would read ahead run: many turns of the event loop.
    for (let i = 0; i < 50; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(pulled).toBe(BATCH / PER_MESSAGE);

    releaseFirstBatch.fire();
    const totals = await done;
    expect(pulled).toBe(MESSAGES);
    expect(totals).toMatchObject({ received: MESSAGES * PER_MESSAGE, created: MESSAGES * PER_MESSAGE, completed: true });
  });
});
