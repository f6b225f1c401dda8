/**
 * The Python client (clients/python) against the running service: its
 * interop test suite (pytest) and its example program, run with the
 * virtual environment that clients/install-plugins.sh prepares.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestService } from '../integration/harness.ts';
import { expectExampleOutput } from './example-output.ts';
import { describeResult, runProgram } from './run-program.ts';
import { CLIENTS_DIR, pythonToolchain, useToolchain } from './toolchains.ts';

const PYTHON_DIR = join(CLIENTS_DIR, 'python');
const PYTHON_TIMEOUT_MS = 180_000;

describe('Python client', async () => {
  const toolchain = pythonToolchain();
  const service = await startTestService();
  const env = { ...process.env, USERS_SERVICE_ADDR: service.address, PYTHONDONTWRITEBYTECODE: '1' };

  it('passes the interop tests', { timeout: PYTHON_TIMEOUT_MS }, async ({ skip }) => {
    const python = useToolchain(toolchain, skip);
    const result = await runProgram(
      python,
      ['-m', 'pytest', '-p', 'no:cacheprovider', '-rA', '--color=no', 'tests/interop'],
      { cwd: PYTHON_DIR, env, timeoutMs: PYTHON_TIMEOUT_MS - 10_000 },
    );
    const output = describeResult(result);
    expect(result.code, output).toBe(0);
    // pytest's short summary (-rA) names each test's outcome.
    const outcomes = result.stdout.split('\n').map((line) => /^(PASSED|FAILED|SKIPPED|ERROR|XFAIL|XPASS) /.exec(line)?.[1]);
    expect(outcomes.filter((o) => o !== undefined && o !== 'PASSED'), output).toEqual([]);
    expect(outcomes.filter((o) => o === 'PASSED').length, output).toBeGreaterThanOrEqual(8);
  });

  it('runs the example program', { timeout: PYTHON_TIMEOUT_MS }, async ({ skip }) => {
    const python = useToolchain(toolchain, skip);
    const result = await runProgram(python, ['example.py'], { cwd: PYTHON_DIR, env, timeoutMs: PYTHON_TIMEOUT_MS - 10_000 });
    expect(result.code, describeResult(result)).toBe(0);
    expectExampleOutput(result.stdout);
  });
});
