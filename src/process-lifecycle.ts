/**
 * Process signals: the first SIGTERM or SIGINT runs the shutdown and exits
 * with the status it reports; a second one exits at once, for an operator
 * who will not wait. A watchdog bounds the whole shutdown, whatever hangs.
 */
import type { Logger } from 'pino';
import { EXIT_CODES } from './exit-codes.ts';

/**
 * Exits with `code` once the log lines written so far have reached stdout:
 * pino writes asynchronously, and through a pipe (a supervisor, a test) the
 * last lines ("stopped" among them) would otherwise be lost. A log that
 * cannot be flushed within a second does not hold the exit up.
 */
export function exitAfterFlush(logger: Logger, code: number): void {
  setTimeout(() => process.exit(code), 1_000);
  logger.flush(() => process.exit(code));
}

/**
 * Waits for SIGTERM/SIGINT, runs `shutdown` (which resolves to true for a
 * clean stop), then exits: 0 when clean, SHUTDOWN_FORCED when not, or when
 * it has not ended within `watchdogMs`.
 */
export function runUntilSignal(logger: Logger, shutdown: () => Promise<boolean>, watchdogMs: number): Promise<void> {
  return new Promise(() => {
    let shuttingDown = false;
    const exit = (code: number): void => exitAfterFlush(logger, code);
    const onSignal = (signal: NodeJS.Signals): void => {
      if (shuttingDown) {
        logger.warn({ signal, exitCode: EXIT_CODES.START_FAILED }, 'second signal: exiting now');
        exit(EXIT_CODES.START_FAILED);
        return;
      }
      shuttingDown = true;
      logger.info({ signal }, 'shutting down');
      setTimeout(() => {
        logger.error({ watchdogMs, exitCode: EXIT_CODES.SHUTDOWN_FORCED }, 'shutdown did not end in time; exiting');
        exit(EXIT_CODES.SHUTDOWN_FORCED);
      }, watchdogMs).unref();
      shutdown().then(
        (clean) => {
          const exitCode = clean ? EXIT_CODES.OK : EXIT_CODES.SHUTDOWN_FORCED;
          logger.info({ exitCode }, clean ? 'stopped' : 'stopped, abandoning work that did not finish in time');
          exit(exitCode);
        },
        (error: unknown) => {
          logger.error({ err: error, exitCode: EXIT_CODES.SHUTDOWN_FORCED }, 'shutdown failed');
          exit(EXIT_CODES.SHUTDOWN_FORCED);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
