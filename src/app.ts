/**
 * Assembles the running service: MongoDB client, indexes, stores, domain
 * service and gRPC server, bound and serving. main.ts and the integration
 * tests both start the service through here.
 */
import { ServerCredentials, type Server } from '@grpc/grpc-js';
import { MongoClient } from 'mongodb';
import type { Logger } from 'pino';
import {
  authenticationConfigured,
  ConfigError,
  defaultReflection,
  isLoopbackHost,
  listenAddress,
  listenProblems,
  loadConfig,
  type Config,
  type ReflectionMode,
} from './config.ts';
import { CallersFile } from './auth/callers-file.ts';
import { certificateIdentity, loadTlsCredentials } from './auth/tls.ts';
import { bucketRules, RateLimiter } from './auth/rate-limit.ts';
import { usersDatabase } from './users/database.ts';
import { messagesDatabase } from './messages/database.ts';
import { LIFECYCLE_COLLECTIONS, type MergeDocument } from './lifecycle/merge-documents.ts';
import { UserResolver } from './lifecycle/user-resolver.ts';
import { HistoryMover } from './lifecycle/history-mover.ts';
import { MergeService } from './lifecycle/merge-service.ts';
import { pendingHandovers } from './lifecycle/pending-handovers.ts';
import { probeDatabase, watchWritable } from './db/health-monitor.ts';
import { ensureSchema } from './schema.ts';
import { timeoutOptions, withTimeLimit } from './deadline.ts';
import { BulkService } from './bulk/bulk-service.ts';
import { buildServer, setServing } from './server.ts';
import { userReplySize } from './transport/to-proto.ts';
import { ChannelDataStore } from './users/channel-data-store.ts';
import { PreferenceStore } from './users/preference-store.ts';
import { UserStore } from './users/user-store.ts';
import { UsersService } from './users/users-service.ts';
import { ActivityStore } from './messages/activity-store.ts';
import { MessageStore } from './messages/message-store.ts';
import { MessagesService } from './messages/messages-service.ts';
import { activityReplySize, messageReplySize } from './transport/message-to-proto.ts';

/** The settings that have defaults (src/config.ts), any of which a caller may give. */
type Tunables = Omit<Config, 'host' | 'port' | 'mongodbUri' | 'mongodbDatabase' | 'embeddedMongoDir' | 'logLevel'>;

/** What the service needs to start. */
export interface AppOptions extends Partial<Tunables> {
  mongodbUri: string;
  mongodbDatabase: string;
  host: string;
  port: number;
  logger: Logger;
  /**
   * The service's clock: message and activity insertion times, and a
   * merge's time (from which its 30 days are counted). Tests inject one;
   * the default is the system clock.
   */
  clock?: () => Date;
}

/** How long closing the MongoDB client may take at shutdown before it is abandoned. */
export const CLIENT_CLOSE_BOUND_MS = 3_000;

/** What protects the running service, for the start-up line: never a key or a file's contents. */
export interface SecuritySummary {
  readonly host: string;
  readonly tls: boolean;
  readonly mutualTls: boolean;
  /** Keys and certificate identities in the callers file; undefined without one (no authentication). */
  readonly callers: { readonly keys: number; readonly certificates: number } | undefined;
  readonly reflection: ReflectionMode;
  readonly rateLimited: boolean;
}

/** How a stop ended. */
export interface StopOutcome {
  /** False when calls were cancelled after the grace period or MongoDB did not close in time. */
  readonly clean: boolean;
}

/** A started service. */
export interface RunningApp {
  /** The port it listens on (the chosen one when asked for port 0). */
  readonly port: number;
  /** TLS, callers, reflection and rate limits in force. */
  readonly security: SecuritySummary;
  /**
   * Stops taking calls, lets calls in flight finish within the grace period
   * (then cancels them and leaves their work behind), and closes MongoDB
   * within {@link CLIENT_CLOSE_BOUND_MS}. Always ends; safe to call more
   * than once.
   */
  stop(): Promise<StopOutcome>;
}

/** The address could not be listened on; `code` is the system's (EADDRINUSE, EACCES, ...). */
export class BindError extends Error {
  override readonly name = 'BindError';
  constructor(
    readonly address: string,
    readonly code: string | undefined,
    cause: unknown,
  ) {
    super(`cannot listen on ${address}: ${code ?? (cause instanceof Error ? cause.message : String(cause))}`, { cause });
  }
}

/**
 * The caller's settings over the documented defaults (the configuration of
 * an empty environment); REFLECTION's default follows whether
 * authentication is configured, as loadConfig's does.
 */
function tunables(options: AppOptions): Tunables {
  const settings = { ...loadConfig({}), ...options };
  return { ...settings, reflection: options.reflection ?? defaultReflection(authenticationConfigured(settings)) };
}

/** Loads the TLS credentials and the callers file, checked, before anything else starts. */
async function security(options: AppOptions, settings: Tunables) {
  const problems = listenProblems({ ...settings, host: options.host });
  if (problems.length > 0) throw new ConfigError(problems);
  const { logger } = options;
  const tls =
    settings.tlsCertFile !== undefined && settings.tlsKeyFile !== undefined
      ? await loadTlsCredentials(
          {
            certFile: settings.tlsCertFile,
            keyFile: settings.tlsKeyFile,
            ...(settings.tlsClientCaFile === undefined ? {} : { clientCaFile: settings.tlsClientCaFile }),
          },
          {
            onReloaded: (certificate) => logger.info({ certificate }, 'TLS certificate reloaded'),
            onReloadFailed: (error) => logger.error({ err: error }, 'TLS files changed but cannot be used; the previous certificate stays in service'),
          },
        )
      : undefined;
  try {
    const callers = settings.authCallersFile === undefined ? undefined : await CallersFile.load(settings.authCallersFile, { logger });
    return { tls, callers };
  } catch (error) {
    tls?.close();
    throw error;
  }
}

/** Connects to MongoDB, prepares indexes, and serves gRPC on host:port. */
export async function startApp(options: AppOptions): Promise<RunningApp> {
  const { logger } = options;
  const settings = tunables(options);
  const { tls, callers } = await security(options, settings);
  const unwatchCallers = callers?.watch();
  const limiter = new RateLimiter(bucketRules(settings.rateLimits));
  const summary: SecuritySummary = {
    host: options.host,
    tls: tls !== undefined,
    mutualTls: tls !== undefined && settings.tlsClientCaFile !== undefined,
    callers: callers?.counts,
    reflection: settings.reflection,
    rateLimited: limiter.enabled,
  };
  if (callers === undefined) {
    if (isLoopbackHost(options.host)) {
      logger.warn(
        { host: options.host },
        'no authentication configured (AUTH_CALLERS_FILE): every call is allowed, so the service listens on loopback only',
      );
    } else {
      logger.warn(
        { host: options.host, allowUnauthenticatedRemoteCalls: true },
        'NO AUTHENTICATION ON A NETWORK ADDRESS: anyone who can reach this port can read, change and delete every user (ALLOW_UNAUTHENTICATED_REMOTE_CALLS=true)',
      );
    }
  } else if (tls === undefined && !isLoopbackHost(options.host)) {
    logger.warn(
      { host: options.host, allowPlaintextRemoteCalls: true },
      'API keys are accepted without TLS on a network address (ALLOW_PLAINTEXT_REMOTE_CALLS=true): TLS must end in front of this service',
    );
  }
  const releaseSecurity = (): void => {
    unwatchCallers?.();
    tls?.close();
  };
  const client = new MongoClient(options.mongodbUri, {
    serverSelectionTimeoutMS: settings.mongodbServerSelectionTimeoutMs,
    // No client-wide timeoutMS: every operation gets its own (the call's
    // deadline, a stream batch's limit, start-up's), and a client-wide one
    // makes the driver refuse bulkWrite inside a transaction that has one
    // ("cannot be given a timeoutMS setting when inside a withTransaction").
    // The driver's default is {}, and bson asks it `fieldsAsRaw[name]` for
    // every array: a trait named "toString" or "constructor" then finds the
    // Object.prototype method and comes back as raw BSON bytes. An object
    // without a prototype answers undefined for every name.
    fieldsAsRaw: Object.create(null) as Record<string, boolean>,
    appName: 'herald-users',
  });
  try {
    await client.connect();
    const db = client.db(options.mongodbDatabase);
    await withTimeLimit(settings.mongodbTimeoutMs, async () => {
      await db.command({ ping: 1 }, timeoutOptions());
      await ensureSchema(db);
    });

    const clock = options.clock ?? ((): Date => new Date());
    const database = usersDatabase(client, db);
    const messagesDb = messagesDatabase(client, db);
    const merges = db.collection<MergeDocument>(LIFECYCLE_COLLECTIONS.merges);
    const resolveUsers = new UserResolver(database.users, merges).resolve;
    const userStore = new UserStore(database);
    const users = new UsersService({
      users: userStore,
      channelData: new ChannelDataStore(database, userStore),
      preferences: new PreferenceStore(database, userStore),
    }, userReplySize);
    const messages = new MessagesService(
      {
        messages: new MessageStore(
          messagesDb,
          (ids, session) => userStore.incarnations(ids, session),
          clock,
          pendingHandovers(merges),
        ),
        activities: new ActivityStore(messagesDb),
      },
      resolveUsers,
      { message: messageReplySize, activity: activityReplySize },
    );
    const mover = new HistoryMover(
      { client, messages: messagesDb.messages, activities: messagesDb.activities, merges },
      { batchSize: settings.mergeBatchSize, batchTimeoutMs: settings.mongodbTimeoutMs, clock, logger },
    );
    const merge = new MergeService({ users: database, messages: messagesDb, merges }, mover, clock, userReplySize);
    const state: { shuttingDown: boolean; databaseReachable: boolean; writable: boolean } = {
      shuttingDown: false,
      databaseReachable: true,
      writable: true,
    };
    const bulk = new BulkService(database, {
      batchSize: settings.bulkBatchSize,
      batchTimeoutMs: settings.mongodbTimeoutMs,
      maxUsersPerStream: settings.bulkMaxUsersPerStream,
    });
    const { server, health } = buildServer({
      users,
      bulk,
      messages,
      merge,
      edge: { logger, defaultDeadlineMs: settings.defaultDeadlineMs, state },
      limits: settings,
      access: {
        callers,
        identityOf: (certificate) => certificateIdentity(certificate, settings.tlsClientIdentitySan),
        reflection: settings.reflection,
        limiter: limiter.enabled ? limiter : undefined,
      },
    });
    const port = await bind(server, listenAddress(options.host, options.port), tls?.credentials ?? ServerCredentials.createInsecure());
    // Moves that a crash or a stop cut short go on in the background.
    mover.resumeAll().catch((error: unknown) => logger.error({ err: error }, 'could not look for unfinished merges'));
    const updateHealth = (): void => {
      if (!state.shuttingDown) setServing(health, state.writable && state.databaseReachable);
    };
    updateHealth();
    const unwatch = watchWritable(client, (writable) => {
      state.writable = writable;
      logger.warn({ writable }, 'MongoDB availability changed');
      updateHealth();
    });
    const stopProbe = probeDatabase(
      db,
      { intervalMs: settings.healthProbeIntervalMs, timeoutMs: settings.healthProbeTimeoutMs },
      (reachable) => {
        state.databaseReachable = reachable;
        logger.warn({ reachable }, reachable ? 'MongoDB answers again' : 'MongoDB did not answer its health probe in time');
        updateHealth();
      },
    );

    let stopped: Promise<StopOutcome> | undefined;
    const stop = (): Promise<StopOutcome> => {
      stopped ??= (async () => {
        state.shuttingDown = true;
        setServing(health, false);
        unwatch();
        stopProbe();
        // After the batches in flight; what is left resumes at the next start.
        await mover.stop();
        const drained = await drain(server, settings.shutdownGraceMs, logger);
        const closed = await closeWithin(client, CLIENT_CLOSE_BOUND_MS, logger);
        releaseSecurity();
        return { clean: drained && closed };
      })();
      return stopped;
    };
    return { port, security: summary, stop };
  } catch (error) {
    releaseSecurity();
    await closeWithin(client, CLIENT_CLOSE_BOUND_MS, logger);
    throw error;
  }
}

function bind(server: Server, address: string, credentials: ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (error, port) => {
      if (error) {
        // grpc-js wraps the system error's message; its code is what an operator needs.
        const code = /\b(E[A-Z]+)\b/.exec(error.message)?.[1];
        reject(new BindError(address, code, error));
      } else resolve(port);
    });
  });
}

/**
 * Refuses new calls and waits for those in flight; after `graceMs` the rest
 * are cancelled so that shutdown always ends. True when none had to be.
 */
function drain(server: Server, graceMs: number, logger: Logger): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      logger.warn({ graceMs }, 'calls still in flight after the grace period; cancelling them');
      server.forceShutdown();
      resolve(false);
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Closes the client, or gives up after `boundMs`: a database that stopped
 * answering can hold `close()` (ending sessions, aborting transactions)
 * for as long as the driver waits. True when it closed in time.
 */
async function closeWithin(client: MongoClient, boundMs: number, logger: Logger): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    client.close().then(
      () => true,
      (error: unknown) => {
        logger.warn({ err: error }, 'closing MongoDB failed');
        return true;
      },
    ),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), boundMs);
    }),
  ]);
  clearTimeout(timer);
  if (!closed) logger.warn({ boundMs }, 'MongoDB did not close in time; abandoning the connections');
  return closed;
}
