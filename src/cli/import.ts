/**
 * `npm run import -- [options] FILE` (or `users-import`): identifies every
 * user of a JSON Lines or CSV file through StreamIdentifyUsers. See
 * `--help` for the options and exit statuses.
 */
import '../protobuf/own-proto-keys.ts';
import { parseImportArgs, USAGE, UsageError } from './import/options.ts';
import { IMPORT_EXIT, runImport } from './import/run.ts';

async function main(argv: readonly string[]): Promise<number> {
  let options;
  try {
    options = parseImportArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`users-import: ${error.message}\n\n${USAGE}`);
    return IMPORT_EXIT.USAGE;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return IMPORT_EXIT.OK;
  }
  return runImport(options, { stdout: process.stdout, stderr: process.stderr });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`users-import: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = IMPORT_EXIT.INCOMPLETE;
  },
);
