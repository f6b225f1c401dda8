/**
 * The TypeScript client package (clients/typescript), built and used as a
 * Node team would: the package's own built JavaScript, its error-details
 * decoder, its packed file list, and its example program, against the
 * running service.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { startTestService, usersApi } from '../integration/harness.ts';
import { uniqueId } from '../integration/fixtures.ts';
import { EXAMPLE_BULK_USERS, expectExampleOutput } from './example-output.ts';
import { describeResult, runProgram } from './run-program.ts';
import { CLIENTS_DIR, REPO_ROOT } from './toolchains.ts';

type ClientPackage = typeof import('../../src/client/index.ts');

const PACKAGE_DIR = join(CLIENTS_DIR, 'typescript');
const TSC = join(REPO_ROOT, 'node_modules', '.bin', 'tsc');
const NPM_TIMEOUT_MS = 120_000;

async function failure(promise: Promise<unknown>): Promise<ServiceError> {
  return promise.then(
    () => expect.fail('the call succeeded but an error was expected'),
    (error: unknown) => error as ServiceError,
  );
}

describe('TypeScript client package', async () => {
  // `npm run build:client` does the same.
  const build = await runProgram(TSC, ['-p', join(PACKAGE_DIR, 'tsconfig.json')], {
    cwd: REPO_ROOT,
    env: process.env,
    timeoutMs: NPM_TIMEOUT_MS,
  });
  if (build.code !== 0) throw new Error(`the client package did not build:\n${describeResult(build)}`);
  const pkg = (await import(pathToFileURL(join(PACKAGE_DIR, 'dist', 'client', 'index.js')).href)) as ClientPackage;

  const service = await startTestService();
  const client = new pkg.UsersServiceClient(service.address, credentials.createInsecure());
  const api = usersApi(client);

  it('packs its built code and type declarations, and no sources', { timeout: NPM_TIMEOUT_MS }, async () => {
    const packed = await runProgram('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: PACKAGE_DIR,
      env: process.env,
      timeoutMs: NPM_TIMEOUT_MS - 5_000,
    });
    expect(packed.code, describeResult(packed)).toBe(0);
    const [manifest] = JSON.parse(packed.stdout) as [{ name: string; files: { path: string }[] }];
    const files = manifest.files.map((f) => f.path);
    expect(manifest.name).toBe('@herald/users-client');
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'dist/client/index.js',
        'dist/client/index.d.ts',
        'dist/gen/herald/users/v1/users_service.js',
        'dist/gen/herald/users/v1/users_service.d.ts',
      ]),
    );
    expect(files.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
  });

  it('installs from its tarball into a fresh project, with grpc-js, and calls the service', { timeout: NPM_TIMEOUT_MS }, async () => {
    const project = await mkdtemp(join(tmpdir(), 'users-client-consumer-'));
    try {
      const quiet = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
      const npm = (...args: string[]) => runProgram('npm', args, { cwd: project, env: process.env, timeoutMs: NPM_TIMEOUT_MS / 2 });
      const packed = await npm('pack', PACKAGE_DIR, '--pack-destination', project, '--loglevel=error');
      expect(packed.code, describeResult(packed)).toBe(0);
      await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
      const installed = await npm('install', ...quiet, `./${packed.stdout.trim()}`, '@grpc/grpc-js@^1.10.0');
      expect(installed.code, describeResult(installed)).toBe(0);
      await writeFile(
        join(project, 'call.mjs'),
        [
          "import { credentials } from '@grpc/grpc-js';",
          "import { decodeStatusDetails, GetUserRequest, UsersServiceClient } from '@herald/users-client';",
          'const client = new UsersServiceClient(process.env.USERS_SERVICE_ADDR, credentials.createInsecure());',
          "client.getUser(GetUserRequest.fromPartial({ userId: 'nobody' }), (error) => {",
          '  console.log(error.code, decodeStatusDetails(error.metadata)?.errorInfo?.reason);',
          '  client.close();',
          '});',
        ].join('\n'),
      );
      const called = await runProgram(process.execPath, ['call.mjs'], {
        cwd: project,
        env: { ...process.env, USERS_SERVICE_ADDR: service.address },
        timeoutMs: 30_000,
      });
      expect(called.code, describeResult(called)).toBe(0);
      expect(called.stdout.trim()).toBe(`${status.NOT_FOUND} USER_NOT_FOUND`);
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });

  it('creates a user and reads it back with Unicode, nested properties and its timestamp intact', async () => {
    const userId = uniqueId('ts-interop-ünï-😀');
    const properties = {
      'clé 名前': 'välue 😀 e\u0301',
      nested: { list: [1, 2.5, 'three', true, null, { deep: ['x'] }], empty: {} },
      count: 42,
      flag: false,
      nothing: null,
    };
    // MongoDB keeps dates to the millisecond, as the API documents.
    const createdAt = new Date('2021-03-04T05:06:07.891Z');
    const profile = {
      name: 'Zoë Ünïcödé 😀 名前 e\u0301',
      email: 'zoe@example.com',
      phoneNumber: '+14155550123',
      timezone: 'Europe/Paris',
      locale: 'fr-CA',
      properties,
      createdAt,
    };
    const created = await api.identifyUser({ userId, ...profile });
    expect(created.created).toBe(true);
    const { user } = await api.getUser({ userId });
    expect(user).toMatchObject({ id: userId, ...profile });
    expect(user?.updatedAt).toBeInstanceOf(Date);
    expect(user?.version).toBe(created.user?.version);
    expect((await api.identifyUser({ userId, name: 'Zoë' })).created).toBe(false);
  });

  it('decodes NOT_FOUND and ABORTED with their reasons', async () => {
    const missing = await failure(api.getUser({ userId: uniqueId('ts-interop-missing') }));
    expect(missing.code).toBe(status.NOT_FOUND);
    expect(pkg.decodeStatusDetails(missing.metadata)?.errorInfo).toMatchObject({ reason: 'USER_NOT_FOUND', domain: pkg.ERROR_DOMAIN });

    const userId = uniqueId('ts-interop-version');
    const { user } = await api.identifyUser({ userId, name: 'V', email: 'v@example.com' });
    const stale = await failure(api.identifyUser({ userId, name: 'W', expectedVersion: `${user?.version}-stale` }));
    expect(stale.code).toBe(status.ABORTED);
    expect(pkg.decodeStatusDetails(stale.metadata)?.errorInfo?.reason).toBe('VERSION_MISMATCH');
    const fresh = await api.identifyUser({ userId, name: 'W', ...(user ? { expectedVersion: user.version } : {}) });
    expect(fresh.user?.name).toBe('W');
  });

  it('decodes INVALID_ARGUMENT field violations, and stores nothing', async () => {
    const userId = uniqueId('ts-interop-bad');
    const error = await failure(api.identifyUser({ userId, name: 'B', email: 'no-at-sign', phoneNumber: '12', timezone: 'Mars/Olympus' }));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    const details = pkg.decodeStatusDetails(error.metadata);
    expect(details?.errorInfo).toMatchObject({ reason: 'INVALID_ARGUMENT', domain: 'herald.users.v1' });
    expect(details?.badRequest?.fieldViolations.map((v) => v.field).sort()).toEqual(['email', 'phone_number', 'timezone']);
    expect(details?.badRequest?.fieldViolations.every((v) => v.description !== '')).toBe(true);
    expect((await failure(api.getUser({ userId }))).code).toBe(status.NOT_FOUND);
  });

  it('honours a deadline on a client stream left open', async () => {
    const started = Date.now();
    const error = await new Promise<ServiceError>((resolve) => {
      const stream = client.bulkIdentifyUsers(new Metadata(), { deadline: Date.now() + 500 }, (e) => resolve(e as ServiceError));
      stream.write(pkg.BulkIdentifyUsersRequest.fromPartial({ users: [{ userId: uniqueId('ts-interop-deadline'), name: 'D', email: 'd@example.com' }] }));
      // Never ended: only the deadline can finish the call.
    });
    const elapsed = Date.now() - started;
    expect(error.code).toBe(status.DEADLINE_EXCEEDED);
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(5_000);
    // The channel is still good for the next call.
    expect((await failure(api.getUser({ userId: uniqueId('ts-interop-after') }))).code).toBe(status.NOT_FOUND);
  });

  it(`streams a bulk identify of ${EXAMPLE_BULK_USERS} users`, async () => {
    const prefix = uniqueId('ts-interop-bulk');
    const messages = [0, 1, 2].map((m) =>
      Array.from({ length: EXAMPLE_BULK_USERS / 3 }, (_, i) => ({ userId: `${prefix}-${m}-${i}`, name: `U ${i}`, email: `u${i}@example.com` })),
    );
    const summary = await api.bulkIdentifyUsers(messages);
    expect(summary).toMatchObject({ received: EXAMPLE_BULK_USERS, created: EXAMPLE_BULK_USERS, updated: 0, rejected: 0 });
    expect((await api.getUser({ userId: `${prefix}-2-999` })).user?.email).toBe('u999@example.com');
  });

  it('has an example that type-checks against the package and runs', { timeout: NPM_TIMEOUT_MS }, async () => {
    const typecheck = await runProgram(TSC, ['-p', join(PACKAGE_DIR, 'tsconfig.example.json')], {
      cwd: REPO_ROOT,
      env: process.env,
      timeoutMs: NPM_TIMEOUT_MS - 5_000,
    });
    expect(typecheck.code, describeResult(typecheck)).toBe(0);
    const example = await runProgram(process.execPath, ['--import', 'tsx', 'example.ts'], {
      cwd: PACKAGE_DIR,
      env: { ...process.env, USERS_SERVICE_ADDR: service.address },
      timeoutMs: NPM_TIMEOUT_MS - 5_000,
    });
    expect(example.code, describeResult(example)).toBe(0);
    expectExampleOutput(example.stdout);
  });

  it('exports a client for every service in proto/', async () => {
    const { apiRegistry } = await import('../../src/protobuf/descriptors.ts');
    const services = [...apiRegistry()].flatMap((d) => (d.kind === 'service' && d.typeName.startsWith('herald.') ? [d.name] : []));
    expect(services.length).toBeGreaterThan(0);
    for (const name of services) expect(pkg, `${name}Client`).toHaveProperty(`${name}Client`);
  });
});
