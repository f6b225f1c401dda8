/**
 * BulkIdentifyUsers through the whole service, run as an operator runs it
 * (src/main.ts in a process of its own), against a raw baseline writing the
 * same users with the driver alone in the same run on the same MongoDB:
 * batches of 500, one transaction each holding one ordered bulkWrite of the
 * identifyPipeline upserts (and one of the channel data, which a third of
 * the users carry). Prints users per second for both and their ratio, the
 * service process's CPU time per user, and its peak RSS (VmHWM) after
 * streaming M and, on a fresh process, 10×M users: a ratio near 1 shows the
 * service's memory does not grow with the length of a stream.
 *
 * MongoDB is MONGODB_URI when set, else the emulator in a process of its
 * own, so that the service's RSS is the service's alone.
 *
 * Run: npm run bench:bulk [-- --users N] [-- --memory-users M]
 *   N (BENCH_USERS, default 100,000): users per throughput run.
 *   M (BENCH_MEMORY_USERS, default min(N, 50,000)): the memory phase streams
 *   M then 10×M users, each on a fresh service process. 10×N at N = 100,000
 *   takes some ten minutes on the emulator, hence M; below about 50,000 the
 *   first run ends before the heap has grown to its steady size (20,000
 *   users take 11 s here) and the ratio shows start-up, not the stream.
 */
import { credentials, Metadata } from '@grpc/grpc-js';
import { MongoClient, type AnyBulkWriteOperation } from 'mongodb';
import { newVersion } from '../src/db/collections.ts';
import { usersDatabase } from '../src/users/database.ts';
import { ensureSchema } from '../src/schema.ts';
import { inTransaction } from '../src/db/transaction.ts';
import {
  TraitMode,
  UsersServiceClient,
  type BulkIdentifyUsersResponse,
  type IdentifyUserRequest,
} from '../src/gen/herald/users/v1/users_service.js';
import type { ChannelDataDocument, UserDocument } from '../src/users/documents.ts';
import type { IdentifyCommand, JsonObject } from '../src/users/model.ts';
import { channelDataPipeline, identifyPipeline } from '../src/users/pipelines.ts';
import { cpuMicros, onceOr, peakRssBytes, spawnEmulator, spawnService, type Child } from './processes.ts';

/** Users per message sent, and per batch on both sides (the service's default BULK_BATCH_SIZE). */
const BATCH = 500;
const SERVICE_DB = 'bench_bulk_service';
const RAW_DB = 'bench_bulk_raw';

function count(flag: string, envName: string, fallback: number): number {
  const argv = process.argv.slice(2);
  const at = argv.indexOf(flag);
  const raw = at >= 0 ? argv[at + 1] : process.env[envName];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${flag} / ${envName} must be a whole number ≥ 1; got ${raw}`);
  return value;
}

/** The synthetic user `i` of a run: about 450 bytes of properties; every third user has push channel data. */
function synthetic(prefix: string, i: number) {
  const properties: JsonObject = {
    plan: ['free', 'pro', 'team', 'enterprise'][i % 4] as string,
    seats: i % 250,
    score: (i * 7919) % 10_007,
    active: i % 5 !== 0,
    signupSource: ['organic', 'ads', 'referral', 'partner'][i % 4] as string,
    tags: ['beta', `cohort-${i % 12}`, `region-${i % 9}`],
    company: { name: `Company ${i % 997}`, industry: ['retail', 'health', 'finance', 'media'][i % 4] as string, size: 10 + (i % 500) },
    address: { city: `City ${i % 313}`, country: ['FR', 'DE', 'US', 'JP', 'BR'][i % 5] as string, postcode: String(10_000 + (i % 89_999)) },
    bio: `User ${i} writes about notification routing, quiet hours and digest emails; joined through the ${i % 31}th campaign.`,
  };
  const channelData: { channelId: string; data: JsonObject }[] =
    i % 3 === 0 ? [{ channelId: 'push-fcm', data: { tokens: [`fcm-${prefix}-${i}-${'t'.repeat(40)}`], platform: 'android' } }] : [];
  return { userId: `${prefix}-${i}`, name: `User ${i}`, email: `user${i}@example.com`, properties, channelData };
}

function asRequest(user: ReturnType<typeof synthetic>): IdentifyUserRequest {
  return {
    userId: user.userId,
    name: user.name,
    email: user.email,
    properties: user.properties,
    traitMode: TraitMode.TRAIT_MODE_UNSPECIFIED,
    unsetProperties: [],
    createdAt: undefined,
    channelData: user.channelData,
    preferences: [],
  };
}

function asCommand(user: ReturnType<typeof synthetic>): IdentifyCommand {
  return {
    userId: user.userId,
    profile: { name: user.name, email: user.email },
    traits: { mode: 'merge', set: user.properties, unset: [] },
    channelData: user.channelData,
    preferenceSets: [],
  };
}

/** Writes `total` users as the service does, with the driver alone; returns the elapsed milliseconds. */
async function rawRun(client: MongoClient, total: number, prefix: string): Promise<number> {
  const db = usersDatabase(client, client.db(RAW_DB));
  const started = performance.now();
  for (let start = 0; start < total; start += BATCH) {
    const commands = Array.from({ length: Math.min(BATCH, total - start) }, (_, k) => asCommand(synthetic(prefix, start + k)));
    await inTransaction(client, async (session) => {
      const users: AnyBulkWriteOperation<UserDocument>[] = [];
      const channelData: AnyBulkWriteOperation<ChannelDataDocument>[] = [];
      for (const command of commands) {
        users.push({ updateOne: { filter: { _id: command.userId }, update: identifyPipeline(command, newVersion()), upsert: true } });
        for (const input of command.channelData) {
          channelData.push({
            updateOne: {
              filter: { userId: command.userId, channelId: input.channelId },
              update: channelDataPipeline(input, newVersion()),
              upsert: true,
            },
          });
        }
      }
      await db.users.bulkWrite(users, { ordered: true, session });
      if (channelData.length > 0) await db.channelData.bulkWrite(channelData, { ordered: true, session });
    });
  }
  return performance.now() - started;
}

/** Streams `total` users in messages of BATCH, waiting for 'drain' whenever write() says so. */
async function streamRun(port: number, total: number, prefix: string): Promise<{ ms: number; response: BulkIdentifyUsersResponse }> {
  const grpc = new UsersServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  try {
    const started = performance.now();
    let call!: ReturnType<UsersServiceClient['bulkIdentifyUsers']>;
    const response = new Promise<BulkIdentifyUsersResponse>((resolve, reject) => {
      call = grpc.bulkIdentifyUsers(new Metadata(), { deadline: Infinity }, (error, reply) => (error ? reject(error) : resolve(reply)));
    });
    response.catch(() => {}); // awaited below; a failure while writing surfaces through onceOr
    for (let start = 0; start < total; start += BATCH) {
      const users = Array.from({ length: Math.min(BATCH, total - start) }, (_, k) => asRequest(synthetic(prefix, start + k)));
      if (!call.write({ users })) await onceOr(call, 'drain', response);
    }
    call.end();
    const reply = await response;
    const ms = performance.now() - started;
    if (reply.created !== total || reply.rejected !== 0) {
      throw new Error(`expected ${total} users created, got ${JSON.stringify({ ...reply, rejections: reply.rejections.slice(0, 3) })}`);
    }
    return { ms, response: reply };
  } finally {
    grpc.close();
  }
}

interface ServiceRun {
  readonly users: number;
  readonly ms: number;
  readonly cpuMicrosPerUser: number;
  readonly peakRss: number;
  /** The emulator's CPU time per user in the same interval, when it runs here. */
  readonly dbCpuMicrosPerUser: number | undefined;
}

/** CPU time of process `pid` (when given) while `work` runs, per user. */
async function cpuPerUser<T>(pid: number | undefined, users: number, work: () => Promise<T>): Promise<[T, number | undefined]> {
  const before = pid === undefined ? 0 : cpuMicros(pid);
  const result = await work();
  return [result, pid === undefined ? undefined : (cpuMicros(pid) - before) / users];
}

/** A fresh service process on an emptied database, one stream of `total` users, then stopped. */
async function serviceRun(admin: MongoClient, uri: string, dbPid: number | undefined, total: number, prefix: string): Promise<ServiceRun> {
  await admin.db(SERVICE_DB).dropDatabase();
  let service: (Child & { port: number }) | undefined;
  try {
    service = await spawnService({ MONGODB_URI: uri, MONGODB_DATABASE: SERVICE_DB, BULK_BATCH_SIZE: String(BATCH) });
    const cpuBefore = cpuMicros(service.pid);
    const port = service.port;
    const [{ ms }, dbCpuMicrosPerUser] = await cpuPerUser(dbPid, total, () => streamRun(port, total, prefix));
    const cpu = cpuMicros(service.pid) - cpuBefore;
    return { users: total, ms, cpuMicrosPerUser: cpu / total, peakRss: peakRssBytes(service.pid), dbCpuMicrosPerUser };
  } finally {
    await service?.stop();
  }
}

const perSecond = (users: number, ms: number): number => (users * 1000) / ms;
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const thousands = (n: number): string => n.toLocaleString('en-US');

const dbCpu = (micros: number | undefined): string => (micros === undefined ? '' : `; emulator CPU ${micros.toFixed(0)} µs/user`);

function describe(label: string, run: ServiceRun): string {
  return (
    `${label}: ${thousands(run.users)} users in ${(run.ms / 1000).toFixed(1)} s = ${perSecond(run.users, run.ms).toFixed(0)} users/s, ` +
    `service CPU ${run.cpuMicrosPerUser.toFixed(0)} µs/user, service peak RSS (VmHWM) ${mib(run.peakRss)}${dbCpu(run.dbCpuMicrosPerUser)}`
  );
}

async function main(): Promise<void> {
  const users = count('--users', 'BENCH_USERS', 100_000);
  const memoryUsers = count('--memory-users', 'BENCH_MEMORY_USERS', Math.min(users, 50_000));
  const emulator = process.env['MONGODB_URI'] ? undefined : await spawnEmulator();
  const uri = process.env['MONGODB_URI'] ?? (emulator?.uri as string);
  // No client-wide timeoutMS: the driver refuses bulkWrite inside withTransaction with one.
  const raw = new MongoClient(uri);
  try {
    const hello = await raw.db('admin').command({ hello: 1 });
    const build = await raw.db('admin').command({ buildInfo: 1 }).catch(() => ({ version: '?' }));
    const kind = emulator
      ? `emulator in its own process (pid ${emulator.pid}, ${uri})`
      : `MONGODB_URI (${hello['msg'] === 'isdbgrid' ? 'mongos-like' : `replica set ${String(hello['setName'])}`}, reports version ${String(build['version'])})`;
    console.log(`MongoDB: ${kind}`);
    console.log(`batches of ${BATCH} users, one transaction each; messages of ${BATCH} users; every 3rd user has channel data`);
    // Both sides start empty with their collections made up front: a
    // transaction may not create one on DocumentDB or a sharded cluster.
    for (const name of [SERVICE_DB, RAW_DB]) await raw.db(name).dropDatabase();
    await ensureSchema(raw.db(RAW_DB));

    await rawRun(raw, 2 * BATCH, 'warm'); // JIT and connections of this process and of the emulator
    const [rawMs, rawDbCpu] = await cpuPerUser(emulator?.pid, users, () => rawRun(raw, users, 'raw'));
    await raw.db(RAW_DB).dropDatabase(); // the service's runs start on as empty a server
    console.log(
      `raw driver: ${thousands(users)} users in ${(rawMs / 1000).toFixed(1)} s = ${perSecond(users, rawMs).toFixed(0)} users/s${dbCpu(rawDbCpu)}`,
    );

    const throughput = await serviceRun(raw, uri, emulator?.pid, users, 'svc-n');
    console.log(describe('service (fresh process)', throughput));
    console.log(
      `throughput ratio service/raw: ${(perSecond(users, throughput.ms) / perSecond(users, rawMs)).toFixed(2)} (higher is better; target ≥ 0.7)`,
    );

    const small = memoryUsers === users ? throughput : await serviceRun(raw, uri, emulator?.pid, memoryUsers, 'mem-m');
    if (small !== throughput) console.log(describe('memory phase M (fresh process)', small));
    const large = await serviceRun(raw, uri, emulator?.pid, 10 * memoryUsers, 'mem-10m');
    console.log(describe('memory phase 10×M (fresh process)', large));
    console.log(
      `peak RSS ratio: ${mib(large.peakRss)} after ${thousands(10 * memoryUsers)} users / ${mib(small.peakRss)} after ` +
        `${thousands(memoryUsers)} users = ${(large.peakRss / small.peakRss).toFixed(2)} (target ≤ 1.2)`,
    );
  } finally {
    await raw.db(SERVICE_DB).dropDatabase().catch(() => undefined);
    await raw.db(RAW_DB).dropDatabase().catch(() => undefined);
    await raw.close();
    await emulator?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
