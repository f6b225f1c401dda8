/**
 * How the import turns JSON Lines and CSV rows into IdentifyUserRequests,
 * and which rows it refuses with their line numbers.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseImportArgs, UsageError } from '../../../src/cli/import/options.ts';
import { csvHeader, requestFromCsvRow, requestFromJsonLine } from '../../../src/cli/import/records.ts';
import { readCsv, readJsonLines, UnreadableInputError, type SourceRow } from '../../../src/cli/import/sources.ts';
import { TraitMode } from '../../../src/gen/herald/users/v1/users_service.js';

const dir = await mkdtemp(join(tmpdir(), 'import-records-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

async function rowsOf(reader: typeof readJsonLines, name: string, content: string | Buffer, mode?: TraitMode) {
  const path = join(dir, name);
  await writeFile(path, content);
  const progress = { bytes: 0 };
  const rows: SourceRow[] = [];
  for await (const row of reader(path, mode, progress)) rows.push(row);
  return { rows, bytes: progress.bytes };
}

describe('JSON Lines records', () => {
  it('takes snake_case and camelCase names, nested ones included', () => {
    const snake = requestFromJsonLine(
      JSON.stringify({
        user_id: 'u1',
        name: 'Ada',
        email: 'ada@example.com',
        phone_number: '+14155550123',
        properties: { plan: 'pro', seats: 3 },
        trait_mode: 'TRAIT_MODE_REPLACE',
        created_at: '2024-01-31T12:00:00Z',
        channel_data: [{ channel_id: 'slack', data: { token: 't' } }],
        preferences: [{ id: 'default', channel_types: { sms: false }, workflows: { w: { enabled: false, channel_types: { email: true } } } }],
        expected_version: 'v1',
      }),
      undefined,
    );
    const camel = requestFromJsonLine(
      JSON.stringify({
        userId: 'u1',
        name: 'Ada',
        email: 'ada@example.com',
        phoneNumber: '+14155550123',
        properties: { plan: 'pro', seats: 3 },
        traitMode: 'TRAIT_MODE_REPLACE',
        createdAt: '2024-01-31T12:00:00Z',
        channelData: [{ channelId: 'slack', data: { token: 't' } }],
        preferences: [{ id: 'default', channelTypes: { sms: false }, workflows: { w: { enabled: false, channelTypes: { email: true } } } }],
        expectedVersion: 'v1',
      }),
      undefined,
    );
    expect(snake.ok).toBe(true);
    expect(camel).toEqual(snake);
    if (!snake.ok) return;
    expect(snake.request).toMatchObject({
      userId: 'u1',
      phoneNumber: '+14155550123',
      properties: { plan: 'pro', seats: 3 },
      traitMode: TraitMode.TRAIT_MODE_REPLACE,
      channelData: [{ channelId: 'slack', data: { token: 't' } }],
      preferences: [{ id: 'default', channelTypes: { sms: false }, workflows: { w: { enabled: false, channelTypes: { email: true } } } }],
      expectedVersion: 'v1',
    });
    expect(snake.request.createdAt?.toISOString()).toBe('2024-01-31T12:00:00.000Z');
  });

  it('refuses what fromJSON would silently coerce or drop, naming each field', () => {
    const result = requestFromJsonLine(
      JSON.stringify({ user_id: 'u1', name: 5, emial: 'x@example.com', properties: [], channel_data: [{ channel_id: 1 }], trait_mode: 'MERGE' }),
      undefined,
    );
    expect(result).toEqual({
      ok: false,
      userId: 'u1',
      reasons: [
        { field: 'name', reason: 'INVALID_TYPE', description: 'must be a string, got a number' },
        { field: 'emial', reason: 'UNKNOWN_FIELD', description: '"emial" is not a field of IdentifyUserRequest' },
        { field: 'properties', reason: 'INVALID_TYPE', description: 'must be a JSON object, got an array' },
        { field: 'channel_data[0].channel_id', reason: 'INVALID_TYPE', description: 'must be a string, got a number' },
        { field: 'trait_mode', reason: 'UNKNOWN_ENUM_VALUE', description: '"MERGE" is not TRAIT_MODE_MERGE or TRAIT_MODE_REPLACE' },
      ],
    });
  });

  it('refuses a line that is not JSON, or not an object, and a field given under both names', () => {
    expect(requestFromJsonLine('{"user_id": ', undefined)).toMatchObject({ ok: false, userId: null, reasons: [{ reason: 'MALFORMED' }] });
    expect(requestFromJsonLine('[1]', undefined)).toMatchObject({ ok: false, reasons: [{ field: 'user', reason: 'INVALID_TYPE' }] });
    expect(requestFromJsonLine('{"user_id":"a","userId":"b"}', undefined)).toMatchObject({ ok: false, reasons: [{ field: 'user_id', reason: 'CONFLICT' }] });
    expect(requestFromJsonLine('{"user_id":"a","created_at":"yesterday"}', undefined)).toMatchObject({ ok: false, reasons: [{ field: 'created_at', reason: 'MALFORMED' }] });
  });

  it('treats null as absent, and keeps a "__proto__" trait as data', () => {
    const result = requestFromJsonLine('{"user_id":"a","name":null,"properties":{"__proto__":{"x":1}}}', undefined);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.request.name).toBeUndefined();
    expect(Object.keys(result.request.properties ?? {})).toEqual(['__proto__']);
  });

  it('--mode sets trait_mode on every record, over the record’s own', () => {
    const result = requestFromJsonLine('{"user_id":"a","trait_mode":"TRAIT_MODE_MERGE"}', TraitMode.TRAIT_MODE_REPLACE);
    expect(result.ok && result.request.traitMode).toBe(TraitMode.TRAIT_MODE_REPLACE);
  });

  it('reads a file line by line: line numbers from 1, blank lines and CRLF, bad UTF-8, a last line without a break', async () => {
    const content = Buffer.concat([
      Buffer.from('\uFEFF{"user_id":"a"}\r\n\n   \n'),
      Buffer.from('{"user_id":"b","name":"\xff"}\n', 'latin1'),
      Buffer.from('not json\n{"user_id":"c"}'),
    ]);
    const { rows, bytes } = await rowsOf(readJsonLines, 'lines.jsonl', content);
    expect(bytes).toBe(content.length);
    expect(rows.map((row) => ['request' in row ? row.request.userId : (row.reasons[0]?.reason ?? ''), row.line])).toEqual([
      ['a', 1],
      ['MALFORMED', 4],
      ['MALFORMED', 5],
      ['c', 6],
    ]);
  });

  it('refuses a line longer than a message can carry without holding it', async () => {
    const long = `{"user_id":"x","name":"${'n'.repeat(5 * 1024 * 1024)}"}`;
    const { rows } = await rowsOf(readJsonLines, 'long.jsonl', `${long}\n{"user_id":"after"}\n`);
    expect(rows).toMatchObject([{ line: 1, reasons: [{ reason: 'TOO_LARGE' }] }, { line: 2, request: { userId: 'after' } }]);
  });
});

describe('CSV records', () => {
  it('maps the known columns to fields and every other column to a string property, leaving empty cells out', () => {
    const header = csvHeader(['id', 'name', 'email', 'phone_number', 'avatar', 'timezone', 'locale', 'plan', 'seats']);
    const result = requestFromCsvRow(header, ['u1', 'Ada', 'ada@example.com', '', 'https://x.test/a.png', 'Europe/London', 'en-GB', 'pro', '3'], undefined);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.request).toMatchObject({
      userId: 'u1',
      name: 'Ada',
      email: 'ada@example.com',
      avatar: 'https://x.test/a.png',
      timezone: 'Europe/London',
      locale: 'en-GB',
      properties: { plan: 'pro', seats: '3' },
    });
    expect(result.request.phoneNumber).toBeUndefined();
    expect(requestFromCsvRow(header, ['u2', 'B', '', '', '', '', '', '', ''], undefined)).toMatchObject({ ok: true, request: { properties: undefined } });
  });

  it('refuses a row with the wrong number of columns', () => {
    const header = csvHeader(['user_id', 'name']);
    expect(requestFromCsvRow(header, ['u1', 'A', 'extra'], undefined)).toEqual({
      ok: false,
      userId: 'u1',
      reasons: [{ field: '', reason: 'MALFORMED', description: 'the row has 3 columns, the header 2' }],
    });
  });

  it('refuses a header without an id column, or with a column named twice', () => {
    expect(() => csvHeader(['name', 'email'])).toThrow(/no id column/);
    expect(() => csvHeader(['id', 'user_id'])).toThrow(/twice/);
    expect(() => csvHeader(['id', 'plan', 'plan'])).toThrow(/twice/);
    expect(() => csvHeader(['id', ''])).toThrow(/no name/);
  });

  it('reads a file: quoted cells across lines, line numbers where each record starts, bad rows refused', async () => {
    const content = 'id,name,email,note\nu1,Ada,ada@example.com,"two\nlines"\n\nu2,"Bob, Jr.",b@example.com\nu3,C,c@example.com,ok\n';
    const { rows } = await rowsOf(readCsv, 'people.csv', content);
    expect(rows).toMatchObject([
      { line: 2, request: { userId: 'u1', properties: { note: 'two\nlines' } } },
      { line: 5, userId: 'u2', reasons: [{ reason: 'MALFORMED', description: 'the row has 3 columns, the header 4' }] },
      { line: 6, request: { userId: 'u3', name: 'C', properties: { note: 'ok' } } },
    ]);
  });

  it('reports a row that is not valid CSV with its line and goes on', async () => {
    const { rows } = await rowsOf(readCsv, 'quotes.csv', 'id,name\nu1,"A"x\nu2,B\n');
    expect(rows[0]).toMatchObject({ line: 2, userId: null, reasons: [{ reason: 'MALFORMED' }] });
  });

  it('fails before any row when the header is unusable', async () => {
    await expect(rowsOf(readCsv, 'noid.csv', 'name,email\nA,a@example.com\n')).rejects.toBeInstanceOf(UnreadableInputError);
  });
});

describe('command line', () => {
  it('has defaults, and chooses the format by extension unless told', () => {
    expect(parseImportArgs(['users.ndjson'])).toMatchObject({ address: 'localhost:50051', batch: 500, format: 'jsonl', traitMode: undefined, retries: 10, rejectsFile: 'users.ndjson.rejected.jsonl' });
    expect(parseImportArgs(['--format', 'csv', '--mode', 'replace', '--batch', '1000', 'x.txt'])).toMatchObject({ format: 'csv', batch: 1000, traitMode: TraitMode.TRAIT_MODE_REPLACE });
    expect(parseImportArgs(['-h'])).toBe('help');
  });

  it.each([
    [[], /no FILE/],
    [['a.jsonl', 'b.jsonl'], /one FILE/],
    [['x.txt'], /--format/],
    [['--batch', '1001', 'a.csv'], /1 to 1000/],
    [['--batch', '1e3', 'a.csv'], /whole number/],
    [['--mode', 'upsert', 'a.csv'], /merge or replace/],
    [['--address', 'localhost', 'a.csv'], /HOST:PORT/],
    [['--bogus', 'a.csv'], /bogus/],
  ])('refuses %j', (args, message) => {
    expect(() => parseImportArgs(args as string[])).toThrow(UsageError);
    expect(() => parseImportArgs(args as string[])).toThrow(message as RegExp);
  });
});
