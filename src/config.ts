/**
 * Configuration from environment variables, checked once at start-up. Every
 * bad value is reported, each with the variable, the rule and the value.
 */

/** The service's settings. */
export interface Config {
  /** Interface to listen on. */
  host: string;
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** MongoDB connection string; undefined starts an embedded replica set. */
  mongodbUri: string | undefined;
  /** Database holding the users. */
  mongodbDatabase: string;
  /** Where the embedded MongoDB keeps its data between runs. */
  embeddedMongoDir: string;
  /** pino level. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Largest request message accepted, in bytes. */
  maxReceiveMessageBytes: number;
  /** How long shutdown waits for calls in flight before cancelling them. */
  shutdownGraceMs: number;
  /** How long MongoDB server selection may take before a call fails UNAVAILABLE. */
  mongodbServerSelectionTimeoutMs: number;
  /** The most MongoDB work outside a call's own deadline may take: start-up, and each batch of a bulk stream. */
  mongodbTimeoutMs: number;
  /** How often MongoDB is pinged for the health status, and how long a ping may take. */
  healthProbeIntervalMs: number;
  healthProbeTimeoutMs: number;
  /** The deadline of a call that brings none. */
  defaultDeadlineMs: number;
  /** How long a unary call may take to deliver its request. */
  receiveTimeoutMs: number;
  /** Most calls open at once on one connection. */
  maxConcurrentStreams: number;
  /** Keepalive pings: interval and how long the answer may take. */
  keepaliveTimeMs: number;
  keepaliveTimeoutMs: number;
  /** A connection with no call for this long is closed. */
  maxConnectionIdleMs: number;
  /** A connection's longest life, and the grace its calls get when it ends. */
  maxConnectionAgeMs: number;
  maxConnectionAgeGraceMs: number;
  /** HTTP/2 session memory per connection, MiB. */
  maxSessionMemoryMiB: number;
  /** Records per bulk identify batch (one transaction each). */
  bulkBatchSize: number;
  /** Most records one bulk identify stream may carry. */
  bulkMaxUsersPerStream: number;
  /** Messages (and, apart, activities) a merge's history move hands over per transaction. */
  mergeBatchSize: number;
  /** The server's certificate chain and key (PEM files); both undefined: plaintext. */
  tlsCertFile: string | undefined;
  tlsKeyFile: string | undefined;
  /** CA bundle that client certificates must chain to; set: mutual TLS (a client certificate is required). */
  tlsClientCaFile: string | undefined;
  /** Which subject alternative name of a client certificate is its identity. */
  tlsClientIdentitySan: 'uri' | 'dns';
  /** The callers file (API key hashes and certificate identities with their roles); set: authentication is on. */
  authCallersFile: string | undefined;
  /** Who may use server reflection. */
  reflection: ReflectionMode;
  /** Without authentication, a non-loopback HOST is refused unless this is true. */
  allowUnauthenticatedRemoteCalls: boolean;
  /** With authentication but without TLS, a non-loopback HOST is refused unless this is true (TLS ends in front of the service). */
  allowPlaintextRemoteCalls: boolean;
  /** Per-caller rate limits by method class; all zero: off. */
  rateLimits: RateLimitSettings;
}

/** Who may use server reflection: anyone, authenticated callers (any role), or nobody (not served). */
export const REFLECTION_MODES = ['open', 'authenticated', 'off'] as const;
export type ReflectionMode = (typeof REFLECTION_MODES)[number];

/** Calls per second per caller for each method class (0: unlimited), and the bucket size. */
export interface RateLimitSettings {
  readonly readsPerSecond: number;
  readonly writesPerSecond: number;
  readonly adminPerSecond: number;
  /** Calls a caller may make at once after being idle; undefined: twice each class's rate. */
  readonly burst: number | undefined;
}

/** Whether authentication is configured: without it every call is allowed (and the server stays on loopback). */
export function authenticationConfigured(config: Pick<Config, 'authCallersFile'>): boolean {
  return config.authCallersFile !== undefined;
}

/** REFLECTION's default: open on a developer's machine (no authentication), else authenticated callers only. */
export function defaultReflection(authenticated: boolean): ReflectionMode {
  return authenticated ? 'authenticated' : 'open';
}

/**
 * The address to bind for HOST and PORT: an IPv6 literal in brackets
 * (`[::1]:50051`), since gRPC reads a bare `::1:50051` as a name to resolve.
 */
export function listenAddress(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Whether HOST names a loopback interface only (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

/**
 * The rules about where the service may listen, given what protects it;
 * one message per broken rule (empty when all hold). Shared by loadConfig
 * and startApp, so no path serves an open service on the network by mistake.
 */
export function listenProblems(
  config: Pick<Config, 'host' | 'authCallersFile' | 'tlsCertFile' | 'allowUnauthenticatedRemoteCalls' | 'allowPlaintextRemoteCalls'>,
): string[] {
  if (isLoopbackHost(config.host)) return [];
  if (!authenticationConfigured(config)) {
    return config.allowUnauthenticatedRemoteCalls
      ? []
      : [
          `HOST ${JSON.stringify(config.host)} is not a loopback address and no authentication is configured (AUTH_CALLERS_FILE): ` +
            'anyone who can reach it could read and delete every user. Configure AUTH_CALLERS_FILE, listen on 127.0.0.1, ' +
            'or set ALLOW_UNAUTHENTICATED_REMOTE_CALLS=true to serve it open on purpose',
        ];
  }
  if (config.tlsCertFile === undefined && !config.allowPlaintextRemoteCalls) {
    return [
      `HOST ${JSON.stringify(config.host)} is not a loopback address and TLS is not configured (TLS_CERT_FILE, TLS_KEY_FILE): ` +
        'API keys would cross the network in clear text. Configure TLS, or set ALLOW_PLAINTEXT_REMOTE_CALLS=true when TLS ends in front of the service',
    ];
  }
  return [];
}

/** Thrown when the environment holds bad values; lists all of them. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The documented defaults; the README's table lists the same values. */
export const DEFAULTS = {
  /** HOST with authentication configured; without it the service stays on {@link DEFAULTS.HOST_UNAUTHENTICATED}. */
  HOST: '0.0.0.0',
  HOST_UNAUTHENTICATED: '127.0.0.1',
  TLS_CLIENT_IDENTITY_SAN: 'uri',
  ALLOW_UNAUTHENTICATED_REMOTE_CALLS: false,
  ALLOW_PLAINTEXT_REMOTE_CALLS: false,
  RATE_LIMIT_PER_SECOND: 0,
  PORT: 50051,
  MONGODB_DATABASE: 'users',
  EMBEDDED_MONGO_DIR: '.data/mongo',
  LOG_LEVEL: 'info',
  GRPC_MAX_RECEIVE_MESSAGE_BYTES: 4 * 1024 * 1024,
  SHUTDOWN_GRACE_MS: 10_000,
  MONGODB_SERVER_SELECTION_TIMEOUT_MS: 5_000,
  MONGODB_TIMEOUT_MS: 30_000,
  HEALTH_PROBE_INTERVAL_MS: 2_000,
  HEALTH_PROBE_TIMEOUT_MS: 1_000,
  GRPC_DEFAULT_DEADLINE_MS: 30_000,
  GRPC_RECEIVE_TIMEOUT_MS: 10_000,
  GRPC_MAX_CONCURRENT_STREAMS: 100,
  GRPC_KEEPALIVE_TIME_MS: 60_000,
  GRPC_KEEPALIVE_TIMEOUT_MS: 20_000,
  GRPC_MAX_CONNECTION_IDLE_MS: 300_000,
  GRPC_MAX_CONNECTION_AGE_MS: 3_600_000,
  GRPC_MAX_CONNECTION_AGE_GRACE_MS: 30_000,
  GRPC_MAX_SESSION_MEMORY_MIB: 10,
  BULK_BATCH_SIZE: 500,
  MERGE_BATCH_SIZE: 500,
  BULK_MAX_USERS_PER_STREAM: 10_000_000,
} as const;

/** Reads and checks the configuration from `env`; throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];

  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}; got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return value;
  };

  const mongodbUri = env['MONGODB_URI'] === '' ? undefined : env['MONGODB_URI'];
  if (mongodbUri !== undefined && !/^mongodb(\+srv)?:\/\//.test(mongodbUri)) {
    problems.push('MONGODB_URI must start with mongodb:// or mongodb+srv://; got a value that does not');
  }

  const database = env['MONGODB_DATABASE'] ?? DEFAULTS.MONGODB_DATABASE;
  // MongoDB forbids these characters in database names on every platform.
  if (database === '' || database.length > 63 || /[/\\. "$*<>:|?\0]/.test(database)) {
    problems.push(
      `MONGODB_DATABASE must be 1 to 63 characters without / \\ . space " $ * < > : | ? or NUL; got ${JSON.stringify(database)}`,
    );
  }

  const logLevel = env['LOG_LEVEL'] ?? DEFAULTS.LOG_LEVEL;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got ${JSON.stringify(logLevel)}`);
  }

  const file = (name: string): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    problems.push(`${name} must be true or false; got ${JSON.stringify(raw)}`);
    return fallback;
  };
  const oneOf = <T extends string>(name: string, values: readonly T[], fallback: T): T => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if ((values as readonly string[]).includes(raw)) return raw as T;
    problems.push(`${name} must be one of ${values.join(', ')}; got ${JSON.stringify(raw)}`);
    return fallback;
  };

  const tlsCertFile = file('TLS_CERT_FILE');
  const tlsKeyFile = file('TLS_KEY_FILE');
  const tlsClientCaFile = file('TLS_CLIENT_CA_FILE');
  const authCallersFile = file('AUTH_CALLERS_FILE');
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined)) {
    problems.push('TLS_CERT_FILE and TLS_KEY_FILE go together: set both (TLS) or neither (plaintext)');
  }
  if (tlsClientCaFile !== undefined && (tlsCertFile === undefined || tlsKeyFile === undefined)) {
    problems.push('TLS_CLIENT_CA_FILE (mutual TLS) needs TLS_CERT_FILE and TLS_KEY_FILE');
  }
  if (tlsClientCaFile !== undefined && authCallersFile === undefined) {
    problems.push(
      'TLS_CLIENT_CA_FILE (mutual TLS) needs AUTH_CALLERS_FILE: the callers file gives each certificate identity its role',
    );
  }
  const sanSet = env['TLS_CLIENT_IDENTITY_SAN'] !== undefined && env['TLS_CLIENT_IDENTITY_SAN'] !== '';
  const tlsClientIdentitySan = oneOf('TLS_CLIENT_IDENTITY_SAN', ['uri', 'dns'] as const, DEFAULTS.TLS_CLIENT_IDENTITY_SAN);
  if (sanSet && tlsClientCaFile === undefined) {
    problems.push('TLS_CLIENT_IDENTITY_SAN applies to client certificates only: it needs TLS_CLIENT_CA_FILE');
  }
  const authenticated = authCallersFile !== undefined;
  const reflection = oneOf('REFLECTION', REFLECTION_MODES, defaultReflection(authenticated));
  const allowUnauthenticatedRemoteCalls = flag('ALLOW_UNAUTHENTICATED_REMOTE_CALLS', DEFAULTS.ALLOW_UNAUTHENTICATED_REMOTE_CALLS);
  const allowPlaintextRemoteCalls = flag('ALLOW_PLAINTEXT_REMOTE_CALLS', DEFAULTS.ALLOW_PLAINTEXT_REMOTE_CALLS);
  const rateLimits: RateLimitSettings = {
    readsPerSecond: integer('RATE_LIMIT_READS_PER_SECOND', DEFAULTS.RATE_LIMIT_PER_SECOND, 0, 1_000_000),
    writesPerSecond: integer('RATE_LIMIT_WRITES_PER_SECOND', DEFAULTS.RATE_LIMIT_PER_SECOND, 0, 1_000_000),
    adminPerSecond: integer('RATE_LIMIT_ADMIN_PER_SECOND', DEFAULTS.RATE_LIMIT_PER_SECOND, 0, 1_000_000),
    burst: env['RATE_LIMIT_BURST'] === undefined || env['RATE_LIMIT_BURST'] === '' ? undefined : integer('RATE_LIMIT_BURST', 1, 1, 10_000_000),
  };

  const host = env['HOST'] ?? (authenticated ? DEFAULTS.HOST : DEFAULTS.HOST_UNAUTHENTICATED);
  if (host.trim() === '') problems.push('HOST must not be empty');
  else if (/\s/.test(host)) problems.push(`HOST must not contain white space (got ${JSON.stringify(host)})`);
  else problems.push(...listenProblems({ host, authCallersFile, tlsCertFile, allowUnauthenticatedRemoteCalls, allowPlaintextRemoteCalls }));

  const config: Config = {
    host,
    port: integer('PORT', DEFAULTS.PORT, 0, 65_535),
    mongodbUri,
    mongodbDatabase: database,
    embeddedMongoDir: env['EMBEDDED_MONGO_DIR'] || DEFAULTS.EMBEDDED_MONGO_DIR,
    logLevel: logLevel as Config['logLevel'],
    maxReceiveMessageBytes: integer(
      'GRPC_MAX_RECEIVE_MESSAGE_BYTES',
      DEFAULTS.GRPC_MAX_RECEIVE_MESSAGE_BYTES,
      1024,
      64 * 1024 * 1024,
    ),
    shutdownGraceMs: integer('SHUTDOWN_GRACE_MS', DEFAULTS.SHUTDOWN_GRACE_MS, 0, 300_000),
    mongodbServerSelectionTimeoutMs: integer(
      'MONGODB_SERVER_SELECTION_TIMEOUT_MS',
      DEFAULTS.MONGODB_SERVER_SELECTION_TIMEOUT_MS,
      100,
      120_000,
    ),
    mongodbTimeoutMs: integer('MONGODB_TIMEOUT_MS', DEFAULTS.MONGODB_TIMEOUT_MS, 100, 600_000),
    healthProbeIntervalMs: integer('HEALTH_PROBE_INTERVAL_MS', DEFAULTS.HEALTH_PROBE_INTERVAL_MS, 100, 600_000),
    healthProbeTimeoutMs: integer('HEALTH_PROBE_TIMEOUT_MS', DEFAULTS.HEALTH_PROBE_TIMEOUT_MS, 50, 60_000),
    defaultDeadlineMs: integer('GRPC_DEFAULT_DEADLINE_MS', DEFAULTS.GRPC_DEFAULT_DEADLINE_MS, 100, 3_600_000),
    receiveTimeoutMs: integer('GRPC_RECEIVE_TIMEOUT_MS', DEFAULTS.GRPC_RECEIVE_TIMEOUT_MS, 100, 3_600_000),
    maxConcurrentStreams: integer('GRPC_MAX_CONCURRENT_STREAMS', DEFAULTS.GRPC_MAX_CONCURRENT_STREAMS, 1, 10_000),
    keepaliveTimeMs: integer('GRPC_KEEPALIVE_TIME_MS', DEFAULTS.GRPC_KEEPALIVE_TIME_MS, 1_000, 86_400_000),
    keepaliveTimeoutMs: integer('GRPC_KEEPALIVE_TIMEOUT_MS', DEFAULTS.GRPC_KEEPALIVE_TIMEOUT_MS, 100, 600_000),
    maxConnectionIdleMs: integer('GRPC_MAX_CONNECTION_IDLE_MS', DEFAULTS.GRPC_MAX_CONNECTION_IDLE_MS, 1_000, 86_400_000),
    maxConnectionAgeMs: integer('GRPC_MAX_CONNECTION_AGE_MS', DEFAULTS.GRPC_MAX_CONNECTION_AGE_MS, 1_000, 604_800_000),
    maxConnectionAgeGraceMs: integer('GRPC_MAX_CONNECTION_AGE_GRACE_MS', DEFAULTS.GRPC_MAX_CONNECTION_AGE_GRACE_MS, 0, 3_600_000),
    maxSessionMemoryMiB: integer('GRPC_MAX_SESSION_MEMORY_MIB', DEFAULTS.GRPC_MAX_SESSION_MEMORY_MIB, 1, 4_096),
    bulkBatchSize: integer('BULK_BATCH_SIZE', DEFAULTS.BULK_BATCH_SIZE, 1, 5_000),
    mergeBatchSize: integer('MERGE_BATCH_SIZE', DEFAULTS.MERGE_BATCH_SIZE, 1, 5_000),
    bulkMaxUsersPerStream: integer('BULK_MAX_USERS_PER_STREAM', DEFAULTS.BULK_MAX_USERS_PER_STREAM, 1, 1_000_000_000),
    tlsCertFile,
    tlsKeyFile,
    tlsClientCaFile,
    tlsClientIdentitySan,
    authCallersFile,
    reflection,
    allowUnauthenticatedRemoteCalls,
    allowPlaintextRemoteCalls,
    rateLimits,
  };
  if (config.healthProbeTimeoutMs >= config.healthProbeIntervalMs) {
    problems.push(
      `HEALTH_PROBE_TIMEOUT_MS (${config.healthProbeTimeoutMs}) must be less than HEALTH_PROBE_INTERVAL_MS (${config.healthProbeIntervalMs})`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
