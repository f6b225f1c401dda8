/**
 * Runs the emulator as a process: `node --import tsx src/mongo-emulator/cli.ts --port N`
 * prints the connection string once it accepts connections and exits 0 on
 * SIGINT or SIGTERM.
 */
import { startEmulator, type EmulatorOptions } from './index.ts';

function parseArgs(argv: readonly string[]): EmulatorOptions {
  const options: EmulatorOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--port' && value !== undefined) {
      options.port = Number(value);
      i++;
    } else if (arg === '--host' && value !== undefined) {
      options.host = value;
      i++;
    } else if (arg === '--replSet' && value !== undefined) {
      options.replicaSetName = value;
      i++;
    } else {
      throw new Error(`unknown argument ${String(arg)}; usage: cli.ts [--port N] [--host H] [--replSet NAME]`);
    }
  }
  if (options.port !== undefined && (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)) {
    throw new Error(`invalid --port ${String(options.port)}`);
  }
  return options;
}

async function main(): Promise<void> {
  const emulator = await startEmulator(parseArgs(process.argv.slice(2)));
  console.log(emulator.uri);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    emulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
