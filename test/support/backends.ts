/**
 * Starting and stopping each kind of MongoDB the tests can use. Every starter
 * either hands back a ready replica-set URI or throws: a backend that fails to
 * start fails the run, it never degrades silently to the next one.
 */
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
