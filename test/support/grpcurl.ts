/**
 * The real grpcurl binary for end-to-end tests, found as an engineer's shell
 * would: $GRPCURL, then $PATH, then Go's install folder ($GOBIN or
 * $HOME/go/bin), where `.ci/run` puts it with `go install`.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Why a grpcurl test file is skipped, for its name and a warning line. */
export const NO_GRPCURL = 'SKIPPED: no grpcurl binary (set GRPCURL, or `go install github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.4`)';

export function findGrpcurl(): string | undefined {
  const env = process.env['GRPCURL'];
  if (env !== undefined && env !== '') return env;
  const folders = [
    ...(process.env['PATH'] ?? '').split(delimiter),
    process.env['GOBIN'] ?? '',
    join(process.env['GOPATH'] ?? join(homedir(), 'go'), 'bin'),
  ];
  return folders
    .filter((folder) => folder !== '')
    .map((folder) => join(folder, 'grpcurl'))
    .find((path) => existsSync(path));
}

/** What one grpcurl run ended with. */
export interface GrpcurlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `binary` with `args`; resolves with its output, and with its exit code when it fails. */
export async function runGrpcurl(binary: string, args: readonly string[]): Promise<GrpcurlResult> {
  try {
    const { stdout, stderr } = await run(binary, [...args], { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}
