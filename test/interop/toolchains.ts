/**
 * The other languages' toolchains that the interop tests drive, found the
 * way a developer's shell would find them. A missing one makes its tests
 * skip with the reason, except where the run requires every language
 * (CI sets REQUIRE_CLIENT_TOOLCHAINS=1): there a missing toolchain fails.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const CLIENTS_DIR = join(REPO_ROOT, 'clients');

/** True when a missing toolchain must fail the run instead of skipping. */
export const toolchainsRequired = process.env['REQUIRE_CLIENT_TOOLCHAINS'] === '1';

/** A toolchain that answered, or why it could not be used. */
export type Toolchain = { readonly ok: true; readonly command: string } | { readonly ok: false; readonly reason: string };

function answers(command: string, args: readonly string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

/** The `go` command on PATH. */
export function goToolchain(): Toolchain {
  return answers('go', ['version'])
    ? { ok: true, command: 'go' }
    : { ok: false, reason: 'no `go` command on PATH (install Go 1.23 or later)' };
}

/**
 * The Python of clients/.tools/venv, which `bash clients/install-plugins.sh`
 * creates with the client package and its test dependencies installed.
 */
export function pythonToolchain(): Toolchain {
  const python = join(CLIENTS_DIR, '.tools', 'venv', 'bin', 'python');
  if (!existsSync(python)) return { ok: false, reason: `no ${python}: run \`bash clients/install-plugins.sh\`` };
  if (!answers(python, ['-c', 'import grpc, pytest, herald.users.v1.users_service_pb2_grpc'])) {
    return { ok: false, reason: `${python} lacks grpcio, pytest or the client package: run \`bash clients/install-plugins.sh\`` };
  }
  return { ok: true, command: python };
}

/**
 * Fails the test when a required toolchain is missing; otherwise skips it
 * with the reason in the report.
 */
export function useToolchain(toolchain: Toolchain, skip: (note: string) => never): string {
  if (toolchain.ok) return toolchain.command;
  if (toolchainsRequired) throw new Error(`REQUIRE_CLIENT_TOOLCHAINS=1 but ${toolchain.reason}`);
  console.warn(`[interop] SKIPPED: ${toolchain.reason}`);
  return skip(`SKIPPED: ${toolchain.reason}`);
}
