/**
 * The access table against the server as built: every method the server
 * registers has a row (or is reflection, governed by REFLECTION), and every
 * row names a method the server has, so the table cannot drift from the API.
 */
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { buildServer } from '../../../src/server.ts';
import { loadConfig } from '../../../src/config.ts';
import { AUDITED_METHODS, METHOD_ACCESS, REFLECTION_PREFIXES } from '../../../src/auth/roles.ts';
import type { ServerDependencies } from '../../../src/server.ts';

function registeredPaths(reflection: 'open' | 'off'): string[] {
  const deps = {
    users: {},
    bulk: {},
    messages: {},
    merge: {},
    edge: { logger: pino({ level: 'silent' }), defaultDeadlineMs: 1000, state: { shuttingDown: false, databaseReachable: true } },
    limits: loadConfig({}),
    access: { callers: undefined, identityOf: () => undefined, reflection },
  } as unknown as ServerDependencies;
  const { server } = buildServer(deps);
  return [...(server as unknown as { handlers: Map<string, unknown> }).handlers.keys()];
}

describe('METHOD_ACCESS', () => {
  it('names exactly the methods the server registers, reflection aside', () => {
    const paths = registeredPaths('open');
    const reflection = paths.filter((p) => REFLECTION_PREFIXES.some((prefix) => p.startsWith(prefix)));
    expect(reflection.length).toBeGreaterThan(0);
    expect(paths.filter((p) => !reflection.includes(p)).sort()).toEqual(Object.keys(METHOD_ACCESS).sort());
  });

  it('leaves reflection unserved when REFLECTION=off', () => {
    expect(registeredPaths('off').some((p) => REFLECTION_PREFIXES.some((prefix) => p.startsWith(prefix)))).toBe(false);
  });

  it('gives the issue roles: reader gets and lists, writer writes, admin destroys, health open', () => {
    const byAccess = (access: string) => Object.keys(METHOD_ACCESS).filter((m) => METHOD_ACCESS[m] === access).map((m) => m.split('/')[2]);
    expect(byAccess('admin').sort()).toEqual(['BulkDeleteUsers', 'DeleteUser', 'MergeUsers']);
    expect(byAccess('open').sort()).toEqual(['Check', 'List', 'Watch']);
    for (const name of byAccess('reader')) expect(name).toMatch(/^(Get|List)/);
    expect(byAccess('writer')).toEqual(expect.arrayContaining(['IdentifyUser', 'BulkIdentifyUsers', 'StreamIdentifyUsers', 'SetChannelData', 'SetPreferences']));
    expect([...AUDITED_METHODS].every((m) => METHOD_ACCESS[m] === 'admin')).toBe(true);
  });
});
