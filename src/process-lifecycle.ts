/**
 * Process signals: the first SIGTERM or SIGINT runs the shutdown and exits
 * with the status it reports; a second one exits at once, for an operator
 * who will not wait. A watchdog bounds the whole shutdown, whatever hangs.
 */
import type { Logger } from 'pino';
import { EXIT_CODES } from './exit-codes.ts';

/**
 * Waits for SIGTERM/SIGINT, runs `shutdown` (which resolves to true for a
 * clean stop), then exits: 0 when clean, SHUTDOWN_FORCED when not, or when
 * it has not ended within `watchdogMs`.
 */
export function runUntilSignal(logger: Logger, shutdown: () => Promise<boolean>, watchdogMs: number): Promise<void> {
  return new Promise(() => {
    let shuttingDown = false;
    const exit = (code: number): void => {
      logger.flush();
      process.exit(code);
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      if (shuttingDown) {
        logger.warn({ signal, exitCode: EXIT_CODES.START_FAILED }, 'second signal: exiting now');
        exit(EXIT_CODES.START_FAILED);
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
