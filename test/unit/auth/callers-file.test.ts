/**
 * The callers file: every rule a file must keep (each with a message that
 * names the file, the entry and the rule), lookups by key and by certificate
 * identity, and reloads (on change, however the file is written, and on
 * SIGHUP) that apply a good file whole and keep the old one over a bad one.
 */
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { hashApiKey, newApiKey } from '../../../src/auth/api-keys.ts';
import { CallersFile, CallersFileError } from '../../../src/auth/callers-file.ts';

const dir = await mkdtemp(join(tmpdir(), 'callers-file-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

let fileCount = 0;
/** A new callers file in the scratch folder holding `content` (JSON-encoded unless a string). */
async function callersFile(content: unknown): Promise<string> {
  fileCount += 1;
  const path = join(dir, `callers-${fileCount}.json`);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const billingKey = newApiKey();
const opsKey = newApiKey();
const GOOD = {
  keys: [
    { name: 'billing-service', role: 'writer', sha256: hashApiKey(billingKey), created: '2026-11-29T10:00:00.000Z' },
    { name: 'ops:alice', role: 'admin', sha256: hashApiKey(opsKey) },
  ],
  certificates: [
    { identity: 'spiffe://herald.test/billing', role: 'reader' },
    { identity: 'reports.herald.test', role: 'writer' },
  ],
};
const key = (overrides: Record<string, unknown>) => ({ name: 'k', role: 'reader', sha256: hashApiKey('x'), ...overrides });
const certificate = (overrides: Record<string, unknown>) => ({ identity: 'spiffe://a/b', role: 'reader', ...overrides });

async function loadError(content: unknown): Promise<{ path: string; error: CallersFileError }> {
  const path = await callersFile(content);
  const error = await CallersFile.load(path).then(
    () => expect.fail('the file was accepted'),
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(CallersFileError);
  return { path, error: error as CallersFileError };
}

describe('CallersFile.load', () => {
  it('loads keys and certificates', async () => {
    const file = await CallersFile.load(await callersFile(GOOD));
    expect(file.counts).toEqual({ keys: 2, certificates: 2 });
  });

  it('takes a file with either section, or both, left out', async () => {
    expect((await CallersFile.load(await callersFile({}))).counts).toEqual({ keys: 0, certificates: 0 });
    expect((await CallersFile.load(await callersFile({ keys: GOOD.keys }))).counts).toEqual({ keys: 2, certificates: 0 });
  });

  it('takes names of 1 and 128 characters of every allowed kind', async () => {
    const names = ['a', 'A'.repeat(128), 'svc.billing_v2:eu-1'];
    const keys = names.map((name, i) => key({ name, sha256: hashApiKey(String(i)) }));
    expect((await CallersFile.load(await callersFile({ keys }))).counts.keys).toBe(3);
  });

  it('says when the file cannot be read', async () => {
    const path = join(dir, 'missing.json');
    await expect(CallersFile.load(path)).rejects.toThrow(new CallersFileError(path, ['cannot be read: ENOENT']));
  });

  const hash = hashApiKey('x');
  const cases: [string, unknown, string][] = [
    ['text that is not JSON', '{"keys": [', 'not valid JSON'],
    ['JSON that is not an object', '[]', 'must hold a JSON object'],
    ['an unknown top-level field', { keys: [], certificate: [] }, 'unknown field "certificate" (allowed: keys, certificates)'],
    ['keys that are not an array', { keys: {} }, '"keys" must be an array'],
    ['a key that is not an object', { keys: ['k'] }, 'keys[0]: must be an object'],
    ['a key without a name', { keys: [key({ name: undefined })] }, 'keys[0]: name must be a string'],
    ['an empty name', { keys: [key({ name: '' })] }, 'keys[0]: name must be 1 to 128 characters'],
    ['a name of 129 characters', { keys: [key({ name: 'a'.repeat(129) })] }, 'keys[0]: name must be 1 to 128 characters'],
    ['a name with a space', { keys: [key({ name: 'billing service' })] }, 'keys[0]: name must be 1 to 128 characters'],
    ['a name with a slash', { keys: [key({ name: 'billing/eu' })] }, 'keys[0]: name must be 1 to 128 characters'],
    [
      'a name used twice',
      { keys: [key({ name: 'a' }), key({ name: 'a', sha256: hashApiKey('y') })] },
      'keys[1] (a): name is already used by keys[0]',
    ],
    ['a role that is not one', { keys: [key({ role: 'root' })] }, 'keys[0] (k): role "root" is not one of reader, writer, admin'],
    ['a missing role', { keys: [key({ role: undefined })] }, 'keys[0] (k): role undefined is not one of reader, writer, admin'],
    ['an uppercase hash', { keys: [key({ sha256: hash.toUpperCase() })] }, 'keys[0] (k): sha256 must be'],
    ['a short hash', { keys: [key({ sha256: hash.slice(1) })] }, 'keys[0] (k): sha256 must be'],
    ['a missing hash', { keys: [key({ sha256: undefined })] }, 'keys[0] (k): sha256 must be'],
    [
      'a hash used twice',
      { keys: [key({ name: 'a' }), key({ name: 'b' })] },
      'keys[1] (b): sha256 repeats the one of keys[0]',
    ],
    ['a created that is no date', { keys: [key({ created: 'yesterday' })] }, 'keys[0] (k): created must be an ISO 8601 date'],
    ['an unknown key field', { keys: [key({ key: 'x' })] }, 'keys[0] (k): unknown field "key" (allowed: name, role, sha256, created)'],
    ['certificates that are not an array', { certificates: 'x' }, '"certificates" must be an array'],
    ['a certificate that is not an object', { certificates: [null] }, 'certificates[0]: must be an object'],
    ['a certificate without an identity', { certificates: [certificate({ identity: undefined })] }, 'certificates[0]: identity must be a string'],
    ['an empty identity', { certificates: [certificate({ identity: '' })] }, 'certificates[0] (""): identity must not be empty'],
    [
      'an identity with whitespace',
      { certificates: [certificate({ identity: 'spiffe://a/b c' })] },
      'certificates[0] ("spiffe://a/b c"): identity must not hold whitespace',
    ],
    [
      'an identity listed twice',
      { certificates: [certificate({}), certificate({ role: 'admin' })] },
      'certificates[1] ("spiffe://a/b"): identity is already listed at certificates[0]',
    ],
    [
      'a certificate role that is not one',
      { certificates: [certificate({ role: 'Reader' })] },
      'certificates[0] ("spiffe://a/b"): role "Reader" is not one of reader, writer, admin',
    ],
    [
      'an unknown certificate field',
      { certificates: [certificate({ name: 'x' })] },
      'certificates[0] ("spiffe://a/b"): unknown field "name" (allowed: identity, role)',
    ],
  ];

  it.each(cases)('refuses %s, naming the file, the entry and the rule', async (_, content, message) => {
    const { path, error } = await loadError(content);
    expect(error.message).toContain(`callers file ${path}`);
    expect(error.message).toContain(message);
    expect(error.problems).toHaveLength(1);
  });

  it('lists every problem at once', async () => {
    const { error } = await loadError({ keys: [key({ role: 'root' }), key({ name: '' })], certificates: [certificate({ identity: '' })] });
    expect(error.problems).toEqual([
      'keys[0] (k): role "root" is not one of reader, writer, admin',
      'keys[1]: name must be 1 to 128 characters of A-Z a-z 0-9 . _ : -',
      'certificates[0] (""): identity must not be empty',
    ]);
    expect(error.message.split('\n')).toHaveLength(4);
  });

  it('never repeats a key or a hash in its message', async () => {
    const pasted = newApiKey();
    const { error } = await loadError({ keys: [key({ sha256: pasted })] });
    expect(error.message).not.toContain(pasted);
    const broken = await loadError(`{"keys": [${pasted}]}`);
    expect(broken.error.message).not.toContain(pasted.slice(3, 10));
    const twice = await loadError({ keys: [key({ name: 'a' }), key({ name: 'b' })] });
    expect(twice.error.message).not.toContain(hash);
  });
});

const file = await CallersFile.load(await callersFile(GOOD));

describe('lookups', () => {
  it('finds the caller a key names', () => {
    expect(file.lookupKey(billingKey)).toEqual({ name: 'billing-service', role: 'writer', via: 'api-key' });
    expect(file.lookupKey(opsKey)).toEqual({ name: 'ops:alice', role: 'admin', via: 'api-key' });
  });

  it('finds no one for a wrong key, a key of another length, or nothing', () => {
    expect(file.lookupKey(newApiKey())).toBeUndefined();
    expect(file.lookupKey(billingKey.slice(0, -1))).toBeUndefined();
    expect(file.lookupKey(`${billingKey}x`)).toBeUndefined();
    expect(file.lookupKey(billingKey.toUpperCase())).toBeUndefined();
    expect(file.lookupKey(hashApiKey(billingKey))).toBeUndefined();
    expect(file.lookupKey('')).toBeUndefined();
  });

  it('matches only the exact key', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (candidate) => {
        fc.pre(candidate !== billingKey && candidate !== opsKey);
        expect(file.lookupKey(candidate)).toBeUndefined();
      }),
    );
    fc.assert(
      fc.property(
        fc.nat({ max: billingKey.length }),
        fc.nat({ max: 2 }),
        fc.string({ maxLength: 2, unit: 'binary' }),
        (at, removed, inserted) => {
          const altered = billingKey.slice(0, at) + inserted + billingKey.slice(at + removed);
          expect(file.lookupKey(altered)).toEqual(altered === billingKey ? file.lookupKey(billingKey) : undefined);
        },
      ),
    );
  });

  it('resolves each of any set of keys to its own entry, and nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.string({ maxLength: 50, unit: 'binary' }), { minLength: 1, maxLength: 8 }),
        fc.string({ maxLength: 50, unit: 'binary' }),
        async (keys, other) => {
          const entries = keys.map((k, i) => key({ name: `key-${i}`, sha256: hashApiKey(k) }));
          const loaded = await CallersFile.load(await callersFile({ keys: entries }));
          keys.forEach((k, i) => expect(loaded.lookupKey(k)?.name).toBe(`key-${i}`));
          const index = keys.indexOf(other);
          expect(loaded.lookupKey(other)?.name).toBe(index === -1 ? undefined : `key-${index}`);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('finds the caller a certificate identity names, exactly', () => {
    expect(file.lookupCertificate('spiffe://herald.test/billing')).toEqual({
      name: 'spiffe://herald.test/billing',
      role: 'reader',
      via: 'certificate',
    });
    expect(file.lookupCertificate('reports.herald.test')).toEqual({ name: 'reports.herald.test', role: 'writer', via: 'certificate' });
    expect(file.lookupCertificate('spiffe://herald.test/billing/')).toBeUndefined();
    expect(file.lookupCertificate('spiffe://herald.test/other')).toBeUndefined();
    expect(file.lookupCertificate('')).toBeUndefined();
  });

  it('does not take a key name for a certificate identity or the reverse', () => {
    expect(file.lookupCertificate('billing-service')).toBeUndefined();
    expect(file.lookupKey('spiffe://herald.test/billing')).toBeUndefined();
  });
});

type LogLine = Record<string, unknown> & { msg: string };

/** A pino logger whose lines the test can read and wait for. */
function capturedLogger() {
  const text: string[] = [];
  const waiters = new Set<{ match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const raw = chunk.toString('utf8');
      text.push(raw);
      const line = JSON.parse(raw) as LogLine;
      for (const waiter of waiters) {
        if (waiter.match(line)) {
          waiters.delete(waiter);
          waiter.resolve(line);
        }
      }
      done();
    },
  });
  return {
    logger: pino({ level: 'debug' }, stream),
    text,
    /** The next line that matches, from now on: call it before causing the line. */
    next: (match: (line: LogLine) => boolean) => new Promise<LogLine>((resolve) => waiters.add({ match, resolve })),
  };
}

const reloaded = (keys: number) => (line: LogLine) => line.msg === 'callers file reloaded' && line.keys === keys;
const rejected = (line: LogLine) => line.msg.startsWith('callers file not reloaded');

describe('CallersFile.watch', () => {
  const stops: (() => void)[] = [];
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
  });

  async function watched(content: unknown) {
    const log = capturedLogger();
    const path = await callersFile(content);
    const file = await CallersFile.load(path, { logger: log.logger });
    stops.push(file.watch());
    return { path, file, log };
  }

  const newKey = newApiKey();
  const withNewKey = { ...GOOD, keys: [...GOOD.keys, key({ name: 'new', sha256: hashApiKey(newKey) })] };

  it('reloads a file replaced by rename, as editors and atomic writers do', async () => {
    const { path, file, log } = await watched(GOOD);
    const done = log.next(reloaded(3));
    const temp = join(dir, 'replacement.tmp');
    await writeFile(temp, JSON.stringify(withNewKey));
    await rename(temp, path);
    expect(await done).toMatchObject({ file: path, trigger: 'change', certificates: 2 });
    expect(file.lookupKey(newKey)).toEqual({ name: 'new', role: 'reader', via: 'api-key' });
    expect(file.counts).toEqual({ keys: 3, certificates: 2 });
  });

  it('reloads a file rewritten in place', async () => {
    const { path, file, log } = await watched(GOOD);
    const done = log.next(reloaded(1));
    await writeFile(path, JSON.stringify({ keys: [GOOD.keys[1]] }));
    await done;
    expect(file.lookupKey(billingKey)).toBeUndefined();
    expect(file.lookupKey(opsKey)).toMatchObject({ name: 'ops:alice' });
    expect(file.lookupCertificate('reports.herald.test')).toBeUndefined();
  });

  it('reloads on SIGHUP, and the stop function removes its handler', async () => {
    const before = process.listenerCount('SIGHUP');
    const { path, file, log } = await watched(GOOD);
    expect(process.listenerCount('SIGHUP')).toBe(before + 1);

    const unchanged = log.next((line) => line.msg === 'callers file reloaded' && line.trigger === 'SIGHUP');
    process.emit('SIGHUP', 'SIGHUP');
    expect(await unchanged).toMatchObject({ keys: 2, certificates: 2 });

    const changed = log.next((line) => reloaded(3)(line) && line.trigger === 'SIGHUP');
    await writeFile(path, JSON.stringify(withNewKey));
    process.emit('SIGHUP', 'SIGHUP');
    await changed;
    expect(file.lookupKey(newKey)).toMatchObject({ name: 'new' });

    stops.pop()!();
    expect(process.listenerCount('SIGHUP')).toBe(before);
  });

  it('keeps the previous contents over a bad file, and logs its problems without key material', async () => {
    const { path, file, log } = await watched(GOOD);
    const pasted = newApiKey();
    const refused = log.next(rejected);
    const temp = join(dir, 'bad.tmp');
    // An operator pasted a key where its hash belongs, and reused a hash.
    const bad = { keys: [...GOOD.keys, key({ name: 'pasted', sha256: pasted }), key({ name: 'again', sha256: GOOD.keys[0]!.sha256 })] };
    await writeFile(temp, JSON.stringify(bad));
    await rename(temp, path);
    const line = await refused;
    expect(line).toMatchObject({ level: 50, file: path, trigger: 'change' });
    expect(line.problems).toEqual([
      'keys[2] (pasted): sha256 must be the key\'s SHA-256 as 64 lowercase hex digits (never the key itself)',
      'keys[3] (again): sha256 repeats the one of keys[0]',
    ]);
    const logged = log.text.join('');
    for (const secret of [pasted, billingKey, opsKey, GOOD.keys[0]!.sha256, GOOD.keys[1]!.sha256]) {
      expect(logged).not.toContain(secret);
    }
    expect(file.counts).toEqual({ keys: 2, certificates: 2 });
    expect(file.lookupKey(billingKey)).toMatchObject({ name: 'billing-service' });

    // A good file after the bad one applies.
    const recovered = log.next(reloaded(3));
    await writeFile(temp, JSON.stringify(withNewKey));
    await rename(temp, path);
    await recovered;
    expect(file.lookupKey(newKey)).toMatchObject({ name: 'new' });
  });

  it('reports a bad file once, however often its folder changes (a log file beside it)', async () => {
    const { path, log } = await watched(GOOD);
    const refused = log.next(rejected);
    await writeFile(path, '{"keys": [}');
    await refused;
    const sibling = join(dirname(path), 'service.log');
    const again = log.next(rejected).then(() => 'reported again');
    for (let i = 0; i < 5; i += 1) await writeFile(sibling, `line ${i}\n`, { flag: 'a' });
    // Proving that nothing happens takes a bounded wait: ten times the
    // watcher's settle time, long enough for each change to be looked at.
    const quiet = new Promise<string>((resolve) => setTimeout(() => resolve('quiet'), 500));
    expect(await Promise.race([again, quiet])).toBe('quiet');
    const recovered = log.next(reloaded(3));
    await writeFile(path, JSON.stringify(withNewKey));
    await recovered;
    expect(log.text.filter((raw) => rejected(JSON.parse(raw) as LogLine))).toHaveLength(1);
  });

  it('keeps the previous contents while the file is missing', async () => {
    const { path, file, log } = await watched(GOOD);
    const refused = log.next((line) => rejected(line) && line.trigger === 'SIGHUP');
    await rm(path);
    process.emit('SIGHUP', 'SIGHUP');
    expect((await refused).problems).toEqual(['cannot be read: ENOENT']);
    expect(file.lookupKey(billingKey)).toMatchObject({ name: 'billing-service' });
  });
});

describe('a key pasted into the wrong field', () => {
  it('is never shown in the error, whatever the field', async () => {
    const pasted = newApiKey();
    const path = await callersFile({ keys: [{ name: 'x', role: pasted, sha256: hashApiKey(newApiKey()) }], certificates: [{ identity: 'a', role: 'reader', [pasted]: 1 }] });
    const error = await CallersFile.load(path).then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).toMatch(/role/);
    expect(error?.message).toMatch(/unknown field/);
    expect(error?.message).not.toContain(pasted.slice(0, 12));
  });
});

describe('certificate identities', () => {
  it('match a DNS name whatever its case, and a URI exactly', async () => {
    const path = await callersFile({ certificates: [{ identity: 'Billing.Example.Org', role: 'reader' }, { identity: 'spiffe://herald.test/Ops', role: 'admin' }] });
    const file = await CallersFile.load(path);
    expect(file.lookupCertificate('billing.example.org')).toMatchObject({ name: 'Billing.Example.Org', role: 'reader' });
    expect(file.lookupCertificate('spiffe://herald.test/Ops')).toMatchObject({ role: 'admin' });
    expect(file.lookupCertificate('spiffe://herald.test/ops')).toBeUndefined();
  });
});
