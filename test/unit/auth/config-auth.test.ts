import { describe, expect, it } from 'vitest';
import { ConfigError, isLoopbackHost, loadConfig } from '../../../src/config.ts';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

const TLS = { TLS_CERT_FILE: 'server.pem', TLS_KEY_FILE: 'server.key' };

describe('authentication settings', () => {
  it('without authentication: loopback, open reflection, no rate limits', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      authCallersFile: undefined,
      tlsCertFile: undefined,
      reflection: 'open',
      allowUnauthenticatedRemoteCalls: false,
      rateLimits: { readsPerSecond: 0, writesPerSecond: 0, adminPerSecond: 0, burst: undefined },
    });
  });

  it('with a callers file: every interface and reflection for authenticated callers', () => {
    expect(loadConfig({ AUTH_CALLERS_FILE: 'callers.json', ...TLS })).toMatchObject({
      host: '0.0.0.0',
      reflection: 'authenticated',
      tlsClientIdentitySan: 'uri',
    });
  });

  it('refuses a non-loopback HOST without authentication, naming the opt-out', () => {
    const [problem, ...rest] = problemsOf({ HOST: '0.0.0.0' });
    expect(rest).toEqual([]);
    expect(problem).toContain('ALLOW_UNAUTHENTICATED_REMOTE_CALLS=true');
    expect(problem).toContain('AUTH_CALLERS_FILE');
    expect(loadConfig({ HOST: '0.0.0.0', ALLOW_UNAUTHENTICATED_REMOTE_CALLS: 'true' }).host).toBe('0.0.0.0');
    expect(problemsOf({ HOST: '10.1.2.3', ALLOW_UNAUTHENTICATED_REMOTE_CALLS: 'false' })).toHaveLength(1);
  });

  it('refuses API keys in clear text on a network address unless told TLS ends in front', () => {
    const [problem] = problemsOf({ AUTH_CALLERS_FILE: 'callers.json' });
    expect(problem).toContain('ALLOW_PLAINTEXT_REMOTE_CALLS=true');
    expect(problemsOf({ AUTH_CALLERS_FILE: 'callers.json', ALLOW_PLAINTEXT_REMOTE_CALLS: 'true' })).toEqual([]);
    expect(problemsOf({ AUTH_CALLERS_FILE: 'callers.json', HOST: '127.0.0.1' })).toEqual([]);
    expect(problemsOf({ AUTH_CALLERS_FILE: 'callers.json', ...TLS })).toEqual([]);
  });

  it.each([
    [{ TLS_CERT_FILE: 'a.pem' }, 'TLS_CERT_FILE and TLS_KEY_FILE go together'],
    [{ TLS_KEY_FILE: 'a.key' }, 'TLS_CERT_FILE and TLS_KEY_FILE go together'],
    [{ TLS_CLIENT_CA_FILE: 'ca.pem', AUTH_CALLERS_FILE: 'c.json', HOST: '127.0.0.1' }, 'TLS_CLIENT_CA_FILE (mutual TLS) needs TLS_CERT_FILE'],
    [{ ...TLS, TLS_CLIENT_CA_FILE: 'ca.pem' }, 'TLS_CLIENT_CA_FILE (mutual TLS) needs AUTH_CALLERS_FILE'],
    [{ ...TLS, TLS_CLIENT_IDENTITY_SAN: 'dns' }, 'TLS_CLIENT_IDENTITY_SAN applies to client certificates only'],
    [{ ...TLS, TLS_CLIENT_CA_FILE: 'ca.pem', AUTH_CALLERS_FILE: 'c.json', TLS_CLIENT_IDENTITY_SAN: 'email' }, 'TLS_CLIENT_IDENTITY_SAN must be one of uri, dns'],
    [{ REFLECTION: 'on' }, 'REFLECTION must be one of open, authenticated, off'],
    [{ ALLOW_UNAUTHENTICATED_REMOTE_CALLS: 'yes' }, 'ALLOW_UNAUTHENTICATED_REMOTE_CALLS must be true or false'],
    [{ RATE_LIMIT_READS_PER_SECOND: '-1' }, 'RATE_LIMIT_READS_PER_SECOND must be a whole number'],
    [{ RATE_LIMIT_BURST: '0' }, 'RATE_LIMIT_BURST must be a whole number from 1'],
  ])('%o is refused: %s', (env, expected) => {
    expect(problemsOf(env).join('\n')).toContain(expected);
  });

  it('reads mutual TLS, the identity SAN, reflection and rate limits', () => {
    expect(
      loadConfig({
        ...TLS,
        TLS_CLIENT_CA_FILE: 'ca.pem',
        TLS_CLIENT_IDENTITY_SAN: 'dns',
        AUTH_CALLERS_FILE: 'callers.json',
        REFLECTION: 'off',
        RATE_LIMIT_READS_PER_SECOND: '50',
        RATE_LIMIT_WRITES_PER_SECOND: '10',
        RATE_LIMIT_ADMIN_PER_SECOND: '1',
        RATE_LIMIT_BURST: '20',
      }),
    ).toMatchObject({
      tlsClientCaFile: 'ca.pem',
      tlsClientIdentitySan: 'dns',
      reflection: 'off',
      rateLimits: { readsPerSecond: 50, writesPerSecond: 10, adminPerSecond: 1, burst: 20 },
    });
  });

  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.1', false],
    ['127.0.0.1.example.com', false],
  ])('%s is loopback: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});

describe('the listen address', () => {
  it('brackets an IPv6 literal, leaves names and IPv4 alone', async () => {
    const { listenAddress, isLoopbackHost } = await import('../../../src/config.ts');
    expect(listenAddress('::1', 50051)).toBe('[::1]:50051');
    expect(listenAddress('[::1]', 50051)).toBe('[::1]:50051');
    expect(listenAddress('::', 0)).toBe('[::]:0');
    expect(listenAddress('127.0.0.1', 50051)).toBe('127.0.0.1:50051');
    expect(listenAddress('localhost', 50051)).toBe('localhost:50051');
    expect(isLoopbackHost('::1')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('127.0.0.1 ')).toBe(false);
  });

  it('refuses a HOST with white space, which would pass a trimmed check and fail to bind', async () => {
    const { loadConfig } = await import('../../../src/config.ts');
    expect(() => loadConfig({ HOST: '127.0.0.1 ' })).toThrow(/HOST must not contain white space/);
  });
});
