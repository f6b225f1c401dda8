/**
 * Starting and stopping each kind of MongoDB the tests can use. Every starter
 * either hands back a ready replica-set URI or throws: a backend that fails to
 * start fails the run, it never degrades silently to the next one.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import type { BackendChoice, BackendName } from './choose-backend.ts';
import { redactUri } from './choose-backend.ts';

/** A MongoDB that is up, with what is needed to reach it and to stop it. */
export interface RunningBackend {
  readonly backend: BackendName;
  /** Connection string for test files; may carry credentials. */
  readonly uri: string;
  /** What the run prints after the backend name, credentials redacted. */
  readonly description: string;
  stop(): Promise<void>;
}

/** Image for the container backend; `TEST_MONGO_IMAGE` overrides it. */
export const DEFAULT_MONGO_IMAGE = 'mongo:8.0';

/** Replica-set name the embedded mongod and the emulator use. */
export const REPLICA_SET_NAME = 'rs0';

/**
 * Checks that the server answers and is a replica-set member or a mongos
 * (transactions need one of them); returns the replica-set name if any.
 */
async function assertTransactionCapable(uri: string): Promise<string | undefined> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  try {
    const hello = await client.db('admin').command({ hello: 1 });
    if (typeof hello['setName'] === 'string') return hello['setName'];
    if (hello['msg'] === 'isdbgrid') return undefined;
    throw new Error(
      `MongoDB at ${redactUri(uri)} is a standalone server; transactions need a replica set (start mongod with --replSet and run rs.initiate())`,
    );
  } finally {
    await client.close();
  }
}

async function startFromUri(uri: string): Promise<RunningBackend> {
  const setName = await assertTransactionCapable(uri);
  return {
    backend: 'uri',
    uri,
    description: `MONGODB_URI ${redactUri(uri)}${setName === undefined ? ', mongos' : `, replica set ${setName}`}`,
    stop: async () => {},
  };
}

async function startContainer(env: NodeJS.ProcessEnv): Promise<RunningBackend> {
  const { MongoDBContainer } = await import('@testcontainers/mongodb');
  const image = env['TEST_MONGO_IMAGE']?.trim() || DEFAULT_MONGO_IMAGE;
  const container = await new MongoDBContainer(image).start();
  // The container's replica set names its member by the container's host
  // name, which the host cannot resolve: connect to the mapped port directly.
  const uri = `${container.getConnectionString()}/?directConnection=true`;
  try {
    await assertTransactionCapable(uri);
  } catch (error) {
    await container.stop();
    throw error;
  }
  return {
    backend: 'container',
    uri,
    description: `${image} single-node replica set, ${redactUri(uri)}`,
    stop: async () => {
      await container.stop();
    },
  };
}

async function startEmbedded(mongodBinary: string | undefined): Promise<RunningBackend> {
  const { MongoMemoryReplSet } = await import('mongodb-memory-server-core');
  const replSet = await MongoMemoryReplSet.create({
    // A binary found on disk is used as is, so nothing is downloaded.
    ...(mongodBinary === undefined ? {} : { binary: { systemBinary: mongodBinary } }),
    replSet: { count: 1, name: REPLICA_SET_NAME, storageEngine: 'wiredTiger' },
  });
  const uri = replSet.getUri();
  return {
    backend: 'embedded',
    uri,
    description: `mongod ${mongodBinary ?? '(downloaded)'}, ${redactUri(uri)}`,
    stop: async () => {
      await replSet.stop({ doCleanup: true, force: false });
    },
  };
}

async function startEmulatorBackend(): Promise<RunningBackend> {
  const { startEmulator } = await import('../../src/mongo-emulator/index.ts');
  const emulator = await startEmulator({ host: '127.0.0.1', port: 0, replicaSetName: REPLICA_SET_NAME });
  return {
    backend: 'emulator',
    uri: emulator.uri,
    description: `in-process, ${redactUri(emulator.uri)}`,
    stop: () => emulator.close(),
  };
}

/** Where DocumentDB's scripts are: `DOCUMENTDB_DIR`, else the shared folder beside the repository. */
function documentdbDir(env: NodeJS.ProcessEnv): string {
  return env['DOCUMENTDB_DIR']?.trim() || fileURLToPath(new URL('../../../shared/documentdb', import.meta.url));
}

/** Gateway port of the DocumentDB the tests start; away from the scripts' default of 10260. */
export const DEFAULT_DOCUMENTDB_PORT = 10_370;

/**
 * DocumentDB: the server `DOCUMENTDB_URI` names, or one started from
 * ../shared/documentdb (install.sh must have run) in a fresh data folder
 * that is deleted when the run ends.
 */
async function startDocumentdb(env: NodeJS.ProcessEnv): Promise<RunningBackend> {
  const given = env['DOCUMENTDB_URI']?.trim();
  if (given) {
    await assertTransactionCapable(given);
    return { backend: 'documentdb', uri: given, description: `DOCUMENTDB_URI ${redactUri(given)}`, stop: async () => {} };
  }
  const dir = documentdbDir(env);
  const home = await mkdtemp(join(tmpdir(), 'documentdb-test-'));
  // PostgreSQL runs as the user postgres and must reach its data folder inside.
  await chmod(home, 0o755);
  const settings = {
    ...env,
    GW_PORT: env['TEST_DOCUMENTDB_PORT']?.trim() || String(DEFAULT_DOCUMENTDB_PORT),
    DOCUMENTDB_HOME: home,
  };
  const stop = async (): Promise<void> => {
    await run('bash', [join(dir, 'stop.sh')], { ...settings, PURGE: '1' });
  };
  try {
    const { stdout } = await run('bash', [join(dir, 'start.sh')], settings);
    const uri = /^MONGODB_URI=(.+)$/m.exec(stdout.trim().split('\n').at(-1) ?? '')?.[1];
    if (uri === undefined) throw new Error(`start.sh printed no MONGODB_URI line: ${stdout.slice(-500)}`);
    await assertTransactionCapable(uri);
    return { backend: 'documentdb', uri, description: `started from ${dir}, ${redactUri(uri)}`, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

const execFileAsync = promisify(execFile);

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string }> {
  return execFileAsync(command, args, { env, maxBuffer: 4 * 1024 * 1024 });
}

/** Starts the chosen backend; throws (naming it) when it cannot start. */
export async function startBackend(choice: BackendChoice, env: NodeJS.ProcessEnv): Promise<RunningBackend> {
  try {
    switch (choice.backend) {
      case 'uri':
        return await startFromUri(env['MONGODB_URI']?.trim() ?? '');
      case 'container':
        return await startContainer(env);
      case 'embedded':
        return await startEmbedded(choice.mongodBinary);
      case 'emulator':
        return await startEmulatorBackend();
      case 'documentdb':
        return await startDocumentdb(env);
    }
  } catch (error) {
    throw new Error(`[mongo] backend ${choice.backend} (${choice.reason}) failed to start: ${String(error)}`, {
      cause: error,
    });
  }
}

/**
 * A mongod that can start without a download: `MONGOMS_SYSTEM_BINARY` (an
 * error if it names nothing runnable) or one already in
 * mongodb-memory-server's cache.
 */
export async function localMongodBinary(): Promise<string | undefined> {
  const { DryMongoBinary } = await import('mongodb-memory-server-core');
  const options = await DryMongoBinary.generateOptions();
  return DryMongoBinary.locateBinary(options);
}
