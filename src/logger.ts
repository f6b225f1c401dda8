/**
 * The pino logger. Personal data never reaches the log: call lines carry no
 * request bodies, and these paths are censored should a record slip in.
 */
import { pino, type Logger } from 'pino';

const REDACTED_PATHS = [
  'email',
  'phoneNumber',
  'phone_number',
  '*.email',
  '*.phoneNumber',
  '*.phone_number',
  'properties',
  '*.properties',
];

/** A JSON logger at `level`, writing to standard output (or `destination`). */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination === undefined ? pino(options) : pino(options, destination);
}
