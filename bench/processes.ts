/**
 * Child processes for benchmarks that measure the service alone: the
 * emulator and src/main.ts each in a process of their own, and what Linux
 * says about a process's CPU time and memory high-water mark (/proc).
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A started child that answers SIGTERM by exiting. */
export interface Child {
  readonly pid: number;
  /** SIGTERM, then waits for the exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

function launch(args: readonly string[], env: Record<string, string>): {
  child: ChildProcessWithoutNullStreams;
  stderr: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

/** Resolves with the first stdout line `pick` accepts; rejects if the process exits first. */
function firstLine<T>(
  child: ChildProcessWithoutNullStreams,
  exited: Promise<number | null>,
  stderr: () => string,
  what: string,
  pick: (line: string) => T | undefined,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    void exited.then((code) => reject(new Error(`${what} exited with ${code} before it was ready; stderr: ${stderr()}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const picked = pick(line);
      if (picked !== undefined) resolve(picked);
    });
  });
}

function stopper(child: ChildProcessWithoutNullStreams, exited: Promise<number | null>) {
  return async (graceMs = 15_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
}

/** `node --import tsx src/mongo-emulator/cli.ts --port 0`; resolves with its connection string. */
export async function spawnEmulator(): Promise<Child & { readonly uri: string }> {
  const { child, stderr, exited } = launch(['src/mongo-emulator/cli.ts', '--port', '0'], {});
  const uri = await firstLine(child, exited, stderr, 'the emulator', (line) =>
    line.startsWith('mongodb://') ? line.trim() : undefined,
  );
  return { pid: child.pid as number, uri, stop: stopper(child, exited) };
}

/**
 * `node --import tsx src/main.ts` on 127.0.0.1 and a port of the system's
 * choosing, with `env` added; resolves with the port of its "serving" line.
 * LOG_LEVEL is info, as that line is logged at info; past start-up the
 * service logs one line per call.
 */
export async function spawnService(env: Record<string, string>): Promise<Child & { readonly port: number }> {
  const { child, stderr, exited } = launch(['src/main.ts'], { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env });
  const port = await firstLine(child, exited, stderr, 'src/main.ts', (line) => {
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      return typeof parsed['msg'] === 'string' && parsed['msg'].startsWith('serving ') ? (parsed['port'] as number) : undefined;
    } catch {
      return undefined;
    }
  });
  // Keep draining stdout so that the child never blocks on a full pipe.
  child.stdout.resume();
  return { pid: child.pid as number, port, stop: stopper(child, exited) };
}

let ticksPerSecond: number | undefined;

/** User plus system CPU time the process has used so far, in microseconds. */
export function cpuMicros(pid: number): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "(comm)": state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / ticksPerSecond;
}

/** The process's peak resident set size so far (VmHWM), in bytes. */
export function peakRssBytes(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match === null) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** Waits for `emitter`'s `event`, or fails with `failure` when it settles first. */
export async function onceOr(emitter: NodeJS.EventEmitter, event: string, failure: Promise<unknown>): Promise<void> {
  await Promise.race([once(emitter, event), failure]);
}
