/**
 * Entry point for machines with no MongoDB at all: the service on the
 * in-memory emulator. Nothing is kept when it stops, and it says so loudly.
 */
import { ConfigError, loadConfig } from './config.ts';
import { EXIT_CODES } from './exit-codes.ts';
import { createLogger } from './logger.ts';
import { startEmulator } from './mongo-emulator/index.ts';
import { serve } from './serve.ts';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(EXIT_CODES.BAD_CONFIG);
}
const logger = createLogger(config.logLevel);
const emulator = await startEmulator();
logger.warn(
  { mongodbUri: emulator.uri },
  'RUNNING ON THE IN-MEMORY MONGODB EMULATOR: every user is lost when the process stops. ' +
    'For real storage set MONGODB_URI or use `npm start`.',
);
await serve({ config, logger, mongodbUri: emulator.uri, description: 'herald.users.v1.UsersService (emulated MongoDB)' }, () =>
  emulator.close(),
);
