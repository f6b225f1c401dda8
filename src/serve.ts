/**
 * Starts the service for an entry point and runs it until a signal: one
 * clear log line and a documented exit status when it cannot start, a
 * bounded shutdown when it is told to stop.
 */
import type { Logger } from 'pino';
import { BindError, CLIENT_CLOSE_BOUND_MS, startApp } from './app.ts';
import { ConfigError, type Config } from './config.ts';
import { CallersFileError } from './auth/callers-file.ts';
import { TlsConfigError } from './auth/tls.ts';
import { EXIT_CODES } from './exit-codes.ts';
import { exitAfterFlush, runUntilSignal } from './process-lifecycle.ts';

/** What an entry point has decided before serving. */
export interface ServeOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly mongodbUri: string;
  /** The "serving ..." line's message and extra fields. */
  readonly description: string;
  readonly extra?: Record<string, unknown>;
}

/** Leeway past the grace period and the client's close bound before the watchdog exits. */
const WATCHDOG_SLACK_MS = 2_000;

/**
 * Serves until SIGTERM/SIGINT, then stops the app and runs `afterStop`
 * (e.g. stopping an embedded MongoDB). Exits the process; never returns.
 */
export async function serve(options: ServeOptions, afterStop: () => Promise<void>): Promise<void> {
  const { config, logger } = options;
  let app;
  try {
    app = await startApp({ ...config, mongodbUri: options.mongodbUri, logger });
  } catch (error) {
    // A callers file or TLS file that cannot be used is a bad setting, like a bad variable.
    const badConfig = error instanceof ConfigError || error instanceof CallersFileError || error instanceof TlsConfigError;
    const exitCode = error instanceof BindError ? EXIT_CODES.BIND_FAILED : badConfig ? EXIT_CODES.BAD_CONFIG : EXIT_CODES.START_FAILED;
    const message = error instanceof Error ? error.message : String(error);
    logger.fatal({ exitCode, err: error }, error instanceof BindError ? message : `could not start: ${message}`);
    await afterStop().catch(() => undefined);
    exitAfterFlush(logger, exitCode);
    return;
  }
  logger.info({ port: app.port, ...app.security, ...options.extra }, `serving ${options.description}`);
  const running = app;
  await runUntilSignal(
    logger,
    async () => {
      const { clean } = await running.stop();
      await afterStop();
      return clean;
    },
    config.shutdownGraceMs + CLIENT_CLOSE_BOUND_MS + WATCHDOG_SLACK_MS,
  );
}
