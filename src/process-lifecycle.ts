/**
 * Process signals: the first SIGTERM or SIGINT runs the shutdown and exits;
 * a second one exits at once, for an operator who will not wait.
 */
import type { Logger } from 'pino';

/** Waits for SIGTERM/SIGINT, runs `shutdown`, then exits the process. */
export function runUntilSignal(logger: Logger, shutdown: () => Promise<void>): Promise<void> {
  return new Promise(() => {
    let shuttingDown = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (shuttingDown) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      shuttingDown = true;
      logger.info({ signal }, 'shutting down');
      shutdown().then(
        () => {
          logger.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
