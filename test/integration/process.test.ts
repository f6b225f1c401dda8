/**
 * The entry point as an operator runs it: `node --import tsx src/main.ts`
 * in its own process, on the run's MongoDB. It must serve, report healthy,
 * stop cleanly on SIGTERM and SIGINT, and refuse bad configuration.
 */
import { credentials } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { UsersServiceClient } from '../../src/gen/herald/users/v1/users_service.js';
import { mongoConnection } from '../support/mongo.ts';
import { newUser } from './fixtures.ts';
import { usersApi } from './harness.ts';
import { scratchDatabase, spawnMain, type MainProcess } from './main-process.ts';
import { checkHealth, healthClient } from './service-clients.ts';

const { uri } = mongoConnection();
const database = scratchDatabase('test_process');

/** Starts src/main.ts on this file's database and waits for its "serving" line, which names the port. */
async function startMain(): Promise<MainProcess & { port: number }> {
  const main = spawnMain({ MONGODB_URI: uri, MONGODB_DATABASE: database, PORT: '0' });
  return { ...main, port: await main.serving };
}

describe('src/main.ts as a process', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('serves, is healthy, and exits 0 on %s', async (signal) => {
    const { child, lines, port, closed } = await startMain();
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

    child.kill(signal);
    const { code } = await closed;
    expect(code).toBe(0);
    const messages = lines.map((line) => line['msg']);
    expect(messages).toContain('shutting down');
    expect(messages.at(-1)).toBe('stopped');
  });

  it('refuses bad configuration with every problem named, and exit status 2', async () => {
    const main = spawnMain({ MONGODB_URI: uri, PORT: 'eighty', LOG_LEVEL: 'loud' });
    const { code } = await main.closed;
    const stderr = main.stderr();
    expect(code).toBe(2);
    expect(stderr).toContain('PORT must be a whole number from 0 to 65535; got "eighty"');
    expect(stderr).toContain('LOG_LEVEL must be one of');
    expect(stderr).toContain('"loud"');
  });
});
