/**
 * The Go client (clients/go) against the running service: its interop test
 * suite (`go test -tags interop`) and its example program, as a Go team
 * would run them.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestService } from '../integration/harness.ts';
import { expectExampleOutput } from './example-output.ts';
import { describeResult, runProgram } from './run-program.ts';
import { CLIENTS_DIR, goToolchain, useToolchain } from './toolchains.ts';

const GO_DIR = join(CLIENTS_DIR, 'go');
// The first run compiles grpc-go and downloads modules through the proxy.
const GO_TIMEOUT_MS = 600_000;

interface GoTestEvent {
  Action: string;
  Test?: string;
  Output?: string;
}

describe('Go client', async () => {
  const toolchain = goToolchain();
  const service = await startTestService();
  const env = { ...process.env, USERS_SERVICE_ADDR: service.address };

  it('passes the interop tests', { timeout: GO_TIMEOUT_MS }, async ({ skip }) => {
    const go = useToolchain(toolchain, skip);
    const result = await runProgram(go, ['test', '-tags', 'interop', '-count=1', '-json', './interop/'], {
      cwd: GO_DIR,
      env,
      timeoutMs: GO_TIMEOUT_MS - 10_000,
    });
    const events = result.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as GoTestEvent);
    const outcome = (action: string) => events.filter((e) => e.Test !== undefined && e.Action === action).map((e) => e.Test);
    const output = events.map((e) => e.Output ?? '').join('') + result.stderr;
    expect(result.code, output).toBe(0);
    expect(outcome('fail'), output).toEqual([]);
    // Skipping is not passing: the suite must have run every test.
    expect(outcome('skip'), output).toEqual([]);
    expect(outcome('pass').length, output).toBeGreaterThanOrEqual(8);
  });

  it('runs the example program', { timeout: GO_TIMEOUT_MS }, async ({ skip }) => {
    const go = useToolchain(toolchain, skip);
    const result = await runProgram(go, ['run', './example'], { cwd: GO_DIR, env, timeoutMs: GO_TIMEOUT_MS - 10_000 });
    expect(result.code, describeResult(result)).toBe(0);
    expectExampleOutput(result.stdout);
  });
});
