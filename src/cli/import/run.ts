/**
 * The import command from checked options to exit status: reads the file,
 * uploads it, writes the rejected rows and prints the summary.
 */
import { stat } from 'node:fs/promises';
import { credentials } from '@grpc/grpc-js';
import { UsersServiceClient } from '../../gen/herald/users/v1/users_service.js';
import type { ImportOptions } from './options.ts';
import { showProgress } from './progress.ts';
import { RejectsFile } from './rejects-file.ts';
import { readCsv, readJsonLines, UnreadableInputError, type ReadProgress } from './sources.ts';
import { Upload, type StreamOpener, type UploadOptions, type UploadResult, type UploadStats } from './upload.ts';

/** The command's exit statuses (see the usage text). */
export const IMPORT_EXIT = {
  /** Every row was stored. */
  OK: 0,
  /** The upload completed; some rows were rejected. */
  REJECTED: 1,
  /** Bad command line or unreadable input. */
  USAGE: 2,
  /** The upload could not be completed. */
  INCOMPLETE: 3,
} as const;

/** Where the command writes, and tuning the tests shorten. */
export interface ImportIo {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly tuning?: Partial<UploadOptions>;
}

/** The service's default receive limit is 4 MiB; leave room for the message's own framing. */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024 - 64 * 1024;

function uploadOptions(options: ImportOptions, tuning: Partial<UploadOptions> | undefined): UploadOptions {
  return {
    batch: options.batch,
    // Four messages' worth, and never less than the service's default batch
    // (500) can fill several times over: the service writes a batch once it
    // is full, so a window smaller than its batch would wait on itself.
    window: Math.max(4 * options.batch, 2000),
    maxMessageBytes: MAX_MESSAGE_BYTES,
    retries: options.retries,
    backoffMs: { initial: 250, max: 10_000 },
    stallMs: 10_000,
    ...tuning,
  };
}

/** Opens streams on one channel, replaced by a fresh one after a failure. */
function opener(address: string): StreamOpener & { close(): void } {
  let client: UsersServiceClient | undefined;
  return {
    open() {
      client ??= new UsersServiceClient(address, credentials.createInsecure(), {
        'grpc.max_receive_message_length': 16 * 1024 * 1024,
        'grpc.keepalive_time_ms': 30_000,
        'grpc.keepalive_timeout_ms': 10_000,
      });
      return client.streamIdentifyUsers();
    },
    reset() {
      client?.close();
      client = undefined;
    },
    close() {
      client?.close();
      client = undefined;
    },
  };
}

function summary(file: string, result: UploadResult, stats: UploadStats, rejects: RejectsFile, elapsedMs: number): string {
  const seconds = elapsedMs / 1000;
  const perSecond = seconds > 0 ? Math.round(stats.acknowledged / seconds) : stats.acknowledged;
  const lines = [
    result.completed ? `Imported ${file}.` : `The import of ${file} did NOT complete: ${result.error.message}`,
    `  received:  ${stats.acknowledged} (records the service acknowledged)`,
    `  created:   ${stats.created}`,
    `  updated:   ${stats.updated}`,
    `  rejected:  ${stats.rejected} (by the service)`,
    `  malformed: ${stats.malformed} (rows that could not be read or sent)`,
    `  elapsed:   ${seconds.toFixed(1)} s`,
    `  rate:      ${perSecond} users/s`,
  ];
  if (stats.reconnects > 0) lines.push(`  reconnects: ${stats.reconnects}`);
  if (!result.completed) {
    lines.push(
      `  done: the first ${stats.acknowledged} records, through line ${stats.acknowledgedLine} of the file; the rest were not stored.`,
      '  Running the command again is safe: records already stored are identified again.',
    );
  }
  if (rejects.count > 0) lines.push(`Rejected rows (${rejects.count}) are in ${rejects.path}`);
  return `${lines.join('\n')}\n`;
}

/** Runs one import; resolves with the exit status. */
export async function runImport(options: ImportOptions, io: ImportIo): Promise<number> {
  let size: number;
  try {
    const info = await stat(options.file);
    if (!info.isFile()) throw new Error('not a regular file');
    size = info.size;
  } catch (error) {
    io.stderr.write(`users-import: cannot read ${options.file}: ${error instanceof Error ? error.message : String(error)}\n`);
    return IMPORT_EXIT.USAGE;
  }
  const rejects = await RejectsFile.open(options.rejectsFile);
  const read: ReadProgress = { bytes: 0 };
  const rows = options.format === 'csv'
    ? readCsv(options.file, options.traitMode, read)
    : readJsonLines(options.file, options.traitMode, read);
  const connection = opener(options.address);
  const upload = new Upload(rows, connection, uploadOptions(options, io.tuning), {
    rejected: (line, userId, reasons) => rejects.write(line, userId, reasons),
    retrying: (attempt, delayMs, error) => {
      io.stderr.write(`users-import: stream failed (${error.message}); reconnecting in ${delayMs} ms (attempt ${attempt} of ${options.retries})\n`);
    },
    backpressure: () => rejects.backpressure(),
  });
  const startedAt = Date.now();
  const progress = showProgress(io.stdout, size, read, upload.stats, startedAt);
  // A first Ctrl-C stops cleanly (summary, rejected rows flushed); a second one kills.
  const interrupt = (): void => upload.stop();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  let result: UploadResult;
  try {
    result = await upload.run();
  } finally {
    process.removeListener('SIGINT', interrupt);
    process.removeListener('SIGTERM', interrupt);
    progress.stop();
    connection.close();
    await rejects.close();
  }
  if (!result.completed && result.error instanceof UnreadableInputError) {
    io.stderr.write(`users-import: ${result.error.message}\n`);
    return IMPORT_EXIT.USAGE;
  }
  io.stdout.write(summary(options.file, result, upload.stats, rejects, Date.now() - startedAt));
  if (!result.completed) return IMPORT_EXIT.INCOMPLETE;
  return upload.stats.rejected + upload.stats.malformed > 0 ? IMPORT_EXIT.REJECTED : IMPORT_EXIT.OK;
}
