/**
 * Secure by default, as an operator starts it: without authentication the
 * service listens on loopback and says so; a network address needs
 * ALLOW_UNAUTHENTICATED_REMOTE_CALLS=true, and then it warns louder.
 */
import { describe, expect, it } from 'vitest';
import { mongoConnection } from '../support/mongo.ts';
import { scratchDatabase, spawnMain } from './main-process.ts';
import { checkHealth, healthClient } from './service-clients.ts';

const { uri } = mongoConnection();
const database = scratchDatabase('test_auth_process');
const base = { MONGODB_URI: uri, MONGODB_DATABASE: database, PORT: '0', AUTH_CALLERS_FILE: undefined, ALLOW_UNAUTHENTICATED_REMOTE_CALLS: undefined };

async function healthCheck(address: string): Promise<string> {
  const client = healthClient(address);
  try {
    return await checkHealth(client, '');
  } finally {
    client.close();
  }
}

describe('without authentication', () => {
  it('listens on 127.0.0.1 by default and warns that every call is allowed', async () => {
    const main = spawnMain({ ...base, HOST: undefined });
    try {
      const port = await main.serving;
      const serving = main.lines.find((l) => typeof l['msg'] === 'string' && l['msg'].startsWith('serving '));
      expect(serving).toMatchObject({ host: '127.0.0.1', tls: false, reflection: 'open' });
      expect(serving).not.toHaveProperty('callers');
      expect(main.lines).toContainEqual(expect.objectContaining({ level: 40, msg: expect.stringContaining('no authentication configured') }));
      await expect(healthCheck(`127.0.0.1:${port}`)).resolves.toBeDefined();
    } finally {
      main.child.kill('SIGTERM');
      await main.closed;
    }
  });

  it('refuses HOST=0.0.0.0 with exit status 2, naming ALLOW_UNAUTHENTICATED_REMOTE_CALLS', async () => {
    const main = spawnMain({ ...base, HOST: '0.0.0.0' });
    const { code } = await main.closed;
    expect(code).toBe(2);
    expect(main.stderr()).toContain('ALLOW_UNAUTHENTICATED_REMOTE_CALLS=true');
    expect(main.lines.some((l) => typeof l['msg'] === 'string' && l['msg'].startsWith('serving '))).toBe(false);
  });

  it('serves HOST=0.0.0.0 with ALLOW_UNAUTHENTICATED_REMOTE_CALLS=true, and warns loudly', async () => {
    const main = spawnMain({ ...base, HOST: '0.0.0.0', ALLOW_UNAUTHENTICATED_REMOTE_CALLS: 'true' });
    try {
      const port = await main.serving;
      expect(main.lines).toContainEqual(expect.objectContaining({ level: 40, msg: expect.stringContaining('NO AUTHENTICATION ON A NETWORK ADDRESS') }));
      await expect(healthCheck(`127.0.0.1:${port}`)).resolves.toBeDefined();
    } finally {
      main.child.kill('SIGTERM');
      await main.closed;
    }
  });

  it('exits 2 when the callers file cannot be used', async () => {
    const main = spawnMain({ ...base, AUTH_CALLERS_FILE: '/nonexistent/callers.json' });
    const { code } = await main.closed;
    expect(code).toBe(2);
  });
});
