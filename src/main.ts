/**
 * Entry point: configuration, logger, MongoDB (the configured one, or an
 * embedded replica set), the server, and the signals that stop it.
 */
import { ConfigError, loadConfig, type Config } from './config.ts';
import { EmbeddedMongoUnavailable, startEmbeddedMongo, type EmbeddedMongo } from './embedded-mongo.ts';
import { EXIT_CODES } from './exit-codes.ts';
import { createLogger } from './logger.ts';
import { serve } from './serve.ts';

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(EXIT_CODES.BAD_CONFIG);
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
      process.exit(EXIT_CODES.START_FAILED);
    }
    throw error;
  }
  mongodbUri = embedded.uri;
}

await serve({ config, logger, mongodbUri, description: 'herald.users.v1.UsersService', extra: { embeddedMongo: embedded !== undefined } }, async () => {
  await embedded?.stop();
});
