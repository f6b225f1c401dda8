/**
 * Entry point for machines with no MongoDB at all: the service on the
 * in-memory emulator. Nothing is kept when it stops, and it says so loudly.
 */
import { startApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { startEmulator } from './mongo-emulator/index.ts';
import { runUntilSignal } from './process-lifecycle.ts';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
const logger = createLogger(config.logLevel);
const emulator = await startEmulator();
logger.warn(
  { mongodbUri: emulator.uri },
  'RUNNING ON THE IN-MEMORY MONGODB EMULATOR: every user is lost when the process stops. ' +
    'For real storage set MONGODB_URI or use `npm start`.',
);
const app = await startApp({ ...config, mongodbUri: emulator.uri, logger });
logger.info({ port: app.port }, 'serving herald.users.v1.UsersService (emulated MongoDB)');
await runUntilSignal(logger, async () => {
  await app.stop();
  await emulator.close();
});
