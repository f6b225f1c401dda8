/**
 * IdentifyUser through the whole service (gRPC, validation, transaction,
 * pipeline update) against a raw baseline doing the same database write
 * with the driver alone: one transaction per user with the same pipeline.
 * The ratio is the cost of the service around the database, measured in one
 * run on the same MongoDB: MONGODB_URI when set, else the emulator.
 *
 * Run: node --import tsx bench/identify-vs-driver.ts
 */
import { pino } from 'pino';
import { credentials, Metadata } from '@grpc/grpc-js';
import { MongoClient } from 'mongodb';
import { startApp } from '../src/app.ts';
import { ensureSchema } from '../src/schema.ts';
import { inTransaction } from '../src/db/transaction.ts';
import { IdentifyUserRequest, UsersServiceClient } from '../src/gen/herald/users/v1/users_service.js';
import { startEmulator } from '../src/mongo-emulator/index.ts';
import { identifyPipeline } from '../src/users/pipelines.ts';

const USERS = 2_000;
/** Calls in flight at once in the concurrent rounds. */
const CONCURRENCY = 16;

function traits(i: number): Record<string, unknown> {
  return { plan: i % 2 === 0 ? 'pro' : 'free', seats: i % 50, tags: ['a', 'b'], company: { name: `c${i % 7}` } };
}

/** Runs `count` tasks, `concurrency` at a time; returns the elapsed milliseconds. */
async function timed(count: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
  return performance.now() - started;
}

async function main(): Promise<void> {
  const emulator = process.env['MONGODB_URI'] ? undefined : await startEmulator();
  const uri = process.env['MONGODB_URI'] ?? (emulator?.uri as string);
  const raw = new MongoClient(uri);
  // Both sides start empty, with their collections made up front: a
  // transaction may not create one on some servers (DocumentDB, sharded
  // clusters), and a second run must create users again, not update them.
  for (const name of ['bench_identify', 'bench_raw']) await raw.db(name).dropDatabase();
  await ensureSchema(raw.db('bench_raw'));
  const app = await startApp({
    mongodbUri: uri,
    mongodbDatabase: 'bench_identify',
    host: '127.0.0.1',
    port: 0,
    maxReceiveMessageBytes: 4 * 1024 * 1024,
    shutdownGraceMs: 5_000,
    mongodbServerSelectionTimeoutMs: 5_000,
    logger: pino({ level: 'silent' }),
  });
  const grpc = new UsersServiceClient(`127.0.0.1:${app.port}`, credentials.createInsecure());
  const users = raw.db('bench_raw').collection<{ _id: string }>('users');
  try {
    const viaService = (round: string) => (i: number) =>
      new Promise((resolve, reject) =>
        grpc.identifyUser(
          IdentifyUserRequest.fromPartial({
            userId: `${round}-${i}`,
            name: `User ${i}`,
            email: `user${i}@example.com`,
            properties: traits(i),
          }),
          new Metadata(),
          (error, response) => (error ? reject(error) : resolve(response)),
        ),
      );
    const viaDriver = (round: string) => (i: number) =>
      inTransaction(raw, (session) =>
        users.findOneAndUpdate(
          { _id: `${round}-${i}` },
          identifyPipeline(
            {
              userId: `${round}-${i}`,
              profile: { name: `User ${i}`, email: `user${i}@example.com` },
              traits: { mode: 'merge', set: traits(i) as never, unset: [] },
              channelData: [],
              preferenceSets: [],
            },
            'v1',
          ),
          { upsert: true, returnDocument: 'after', session },
        ),
      );

    await timed(200, CONCURRENCY, viaService('warm')); // JIT, pools
    await timed(200, CONCURRENCY, viaDriver('warm'));
    for (const concurrency of [1, CONCURRENCY]) {
      const driverMs = await timed(USERS, concurrency, viaDriver(`c${concurrency}`));
      const serviceMs = await timed(USERS, concurrency, viaService(`c${concurrency}`));
      const per = (ms: number): string => `${((ms * 1000) / USERS).toFixed(0)} µs/user`;
      console.log(
        `${USERS} new users, ${concurrency} at a time: raw driver ${driverMs.toFixed(0)} ms (${per(driverMs)}), ` +
          `service ${serviceMs.toFixed(0)} ms (${per(serviceMs)}), ratio service/raw ${(serviceMs / driverMs).toFixed(2)}`,
      );
    }
    const hello = await raw.db('admin').command({ hello: 1 });
    const kind = emulator ? 'emulator (in process)' : `MONGODB_URI (${hello['msg'] === 'isdbgrid' ? 'mongos-like' : `replica set ${String(hello['setName'])}`})`;
    console.log(`MongoDB: ${kind}`);
  } finally {
    grpc.close();
    await raw.db('bench_raw').dropDatabase();
    await raw.close();
    await app.stop();
    await emulator?.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
