/**
 * Assembles the running service: MongoDB client, indexes, stores, domain
 * service and gRPC server, bound and serving. main.ts and the integration
 * tests both start the service through here.
 */
import { ServerCredentials, type Server } from '@grpc/grpc-js';
import { MongoClient } from 'mongodb';
import type { Logger } from 'pino';
import { usersDatabase } from './db/collections.ts';
import { watchWritable } from './db/health-monitor.ts';
import { ensureIndexes } from './db/indexes.ts';
import { buildServer, setServing } from './server.ts';
import { ChannelDataStore } from './users/channel-data-store.ts';
import { PreferenceStore } from './users/preference-store.ts';
import { UserStore } from './users/user-store.ts';
import { UsersService } from './users/users-service.ts';

/** What the service needs to start. */
export interface AppOptions {
  mongodbUri: string;
  mongodbDatabase: string;
  host: string;
  port: number;
  maxReceiveMessageBytes: number;
  shutdownGraceMs: number;
  mongodbServerSelectionTimeoutMs: number;
  logger: Logger;
}

/** A started service. */
export interface RunningApp {
  /** The port it listens on (the chosen one when asked for port 0). */
  readonly port: number;
  /**
   * Stops taking calls, lets calls in flight finish within the grace period
   * (then cancels them), and closes MongoDB. Safe to call more than once.
   */
  stop(): Promise<void>;
}

/** Connects to MongoDB, prepares indexes, and serves gRPC on host:port. */
export async function startApp(options: AppOptions): Promise<RunningApp> {
  const { logger } = options;
  const client = new MongoClient(options.mongodbUri, {
    serverSelectionTimeoutMS: options.mongodbServerSelectionTimeoutMs,
    appName: 'herald-users',
  });
  await client.connect();
  try {
    const db = client.db(options.mongodbDatabase);
    await db.command({ ping: 1 });
    await ensureIndexes(db);

    const database = usersDatabase(client, db);
    const userStore = new UserStore(database);
    const users = new UsersService({
      users: userStore,
      channelData: new ChannelDataStore(database, userStore),
      preferences: new PreferenceStore(database, userStore),
    });
    const { server, health } = buildServer({
      users,
      logger,
      maxReceiveMessageBytes: options.maxReceiveMessageBytes,
    });
    const port = await bind(server, `${options.host}:${options.port}`);
    let stopping = false;
    setServing(health, true);
    const unwatch = watchWritable(client, (writable) => {
      if (stopping) return;
      logger.warn({ writable }, 'MongoDB availability changed');
      setServing(health, writable);
    });

    let stopped: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopped ??= (async () => {
        stopping = true;
        setServing(health, false);
        unwatch();
        await drain(server, options.shutdownGraceMs, logger);
        await client.close();
      })();
      return stopped;
    };
    return { port, stop };
  } catch (error) {
    await client.close();
    throw error;
  }
}

function bind(server: Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (error, port) => {
      if (error) reject(error);
      else resolve(port);
    });
  });
}

/**
 * Refuses new calls and waits for those in flight; after `graceMs` the rest
 * are cancelled so that shutdown always ends.
 */
function drain(server: Server, graceMs: number, logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      logger.warn({ graceMs }, 'calls still in flight after the grace period; cancelling them');
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
