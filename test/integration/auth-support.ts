/**
 * Callers files for the auth tests: keys made with the real newApiKey and
 * stored as the real file stores them (only their SHA-256), each file in a
 * folder of its own (the service watches the file's folder).
 */
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { afterAll } from 'vitest';
import { hashApiKey, newApiKey } from '../../src/auth/api-keys.ts';
import type { Role } from '../../src/auth/roles.ts';

export interface TestKey {
  readonly name: string;
  readonly role: Role;
  readonly key: string;
}

/** A folder removed after the file's tests. */
export async function scratchFolder(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export function makeKey(name: string, role: Role): TestKey {
  return { name, role, key: newApiKey() };
}

/** Writes the callers file (atomically, as an operator's tool would) with these keys and certificate identities. */
export async function writeCallersFile(
  path: string,
  keys: readonly TestKey[],
  certificates: readonly { identity: string; role: Role }[] = [],
): Promise<void> {
  const document = { keys: keys.map((k) => ({ name: k.name, role: k.role, sha256: hashApiKey(k.key) })), certificates };
  await writeFile(`${path}.tmp`, `${JSON.stringify(document, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
}

/** `authorization: Bearer <key>` metadata. */
export function bearer(key: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${key}`);
  return metadata;
}
