/**
 * Entry point: configuration, logger, MongoDB (the configured one, or an
 * embedded replica set), the server, and the signals that stop it.
 */
import { startApp, type RunningApp } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { EmbeddedMongoUnavailable, startEmbeddedMongo, type EmbeddedMongo } from './embedded-mongo.ts';
import { createLogger } from './logger.ts';
import { runUntilSignal } from './process-lifecycle.ts';

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

const config = readConfig();
const logger = createLogger(config.logLevel);

let embedded: EmbeddedMongo | undefined;
let mongodbUri = config.mongodbUri;
if (mongodbUri === undefined) {
  logger.info({ dataDir: config.embeddedMongoDir }, 'MONGODB_URI is not set: starting an embedded MongoDB');
  try {
    embedded = await startEmbeddedMongo(config.embeddedMongoDir);
  } catch (error) {
    if (error instanceof EmbeddedMongoUnavailable) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  mongodbUri = embedded.uri;
}

const app: RunningApp = await startApp({ ...config, mongodbUri, logger });
logger.info({ port: app.port, embeddedMongo: embedded !== undefined }, 'serving herald.users.v1.UsersService');

await runUntilSignal(logger, async () => {
  await app.stop();
  await embedded?.stop();
});
