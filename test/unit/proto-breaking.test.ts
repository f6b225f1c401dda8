/**
 * `buf breaking` against the committed baseline of the released protos
 * (proto/released.binpb) passes for the protos as they are, and fails for a
 * change that would break the stubs callers have generated: the check that
 * CI runs can fail.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const BUF = join(ROOT, 'node_modules', '.bin', 'buf');
const BASELINE = join(ROOT, 'proto', 'released.binpb');
const SERVICE_PROTO = join('proto', 'herald', 'users', 'v1', 'users_service.proto');

/** A copy of the buf workspace that a test may change. */
async function workspaceCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'proto-breaking-'));
  await cp(join(ROOT, 'buf.yaml'), join(dir, 'buf.yaml'));
  await cp(join(ROOT, 'proto'), join(dir, 'proto'), { recursive: true, filter: (src) => !src.endsWith('.binpb') });
  return dir;
}

async function bufBreaking(dir: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(BUF, ['breaking', '--against', BASELINE], { cwd: dir });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe('buf breaking against the released baseline', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('passes for the protos as they are', async () => {
    const dir = await workspaceCopy();
    dirs.push(dir);
    expect(await bufBreaking(dir)).toEqual({ code: 0, output: '' });
  });

  it.each([
    ['a field renumbered', (proto: string) => proto.replace('string user_id = 1;', 'string user_id = 99;'), /user_id/],
    ['a field type changed', (proto: string) => proto.replace('int32 page_size = 1;', 'int64 page_size = 1;'), /page_size/],
    ['an RPC removed', (proto: string) => proto.replace(/\n {2}rpc GetUser\(GetUserRequest\) returns \(GetUserResponse\);/, ''), /GetUser/],
  ])('fails for %s', async (_name, change, mentions) => {
    const dir = await workspaceCopy();
    dirs.push(dir);
    const path = join(dir, SERVICE_PROTO);
    const before = await readFile(path, 'utf8');
    const after = change(before);
    expect(after).not.toBe(before);
    await writeFile(path, after);
    const result = await bufBreaking(dir);
    expect(result.code, result.output).not.toBe(0);
    expect(result.output).toMatch(mentions);
  });
});
