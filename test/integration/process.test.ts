/**
 * The entry point as an operator runs it: `node --import tsx src/main.ts`
 * in its own process, on the run's MongoDB. It must serve, report healthy,
 * stop cleanly on SIGTERM and SIGINT, and refuse bad configuration.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { credentials } from '@grpc/grpc-js';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { UsersServiceClient } from '../../src/gen/herald/users/v1/users_service.js';
import { mongoConnection } from '../support/mongo.ts';
import { newUser } from './fixtures.ts';
import { usersApi } from './harness.ts';
import { checkHealth, healthClient } from './service-clients.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { uri } = mongoConnection();
const database = `test_process_${randomBytes(4).toString('hex')}`;

afterAll(async () => {
  const client = new MongoClient(uri);
  try {
    await client.db(database).dropDatabase();
  } finally {
    await client.close();
  }
});

interface Started {
  child: ChildProcessWithoutNullStreams;
  lines: Record<string, unknown>[];
  port: number;
}

/** Starts src/main.ts and waits for its "serving" line, which names the port. */
async function startMain(env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, MONGODB_URI: uri, MONGODB_DATABASE: database, PORT: '0', HOST: '127.0.0.1', ...env },
  });
  const lines: Record<string, unknown>[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`main.ts exited with ${code} before serving`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      lines.push(parsed);
      if (parsed['msg'] === 'serving herald.users.v1.UsersService') resolve(parsed['port'] as number);
    });
  });
  return { child, lines, port };
}

describe('src/main.ts as a process', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('serves, is healthy, and exits 0 on %s', async (signal) => {
    const { child, lines, port } = await startMain();
    const address = `127.0.0.1:${port}`;
    const health = healthClient(address);
    const client = new UsersServiceClient(address, credentials.createInsecure());
    try {
      expect(await checkHealth(health, '')).toBe('SERVING');
      const { created } = await usersApi(client).identifyUser(newUser());
      expect(created).toBe(true);
    } finally {
      health.close();
      client.close();
    }

    const exited = once(child, 'exit');
    child.kill(signal);
    const [code] = await exited;
    expect(code).toBe(0);
    const messages = lines.map((line) => line['msg']);
    expect(messages).toContain('shutting down');
    expect(messages.at(-1)).toBe('stopped');
  });

  it('refuses bad configuration with every problem named, and exit status 2', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, MONGODB_URI: uri, PORT: 'eighty', LOG_LEVEL: 'loud' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr).toContain('PORT must be a whole number from 0 to 65535; got "eighty"');
    expect(stderr).toContain('LOG_LEVEL must be one of');
    expect(stderr).toContain('"loud"');
  });
});
