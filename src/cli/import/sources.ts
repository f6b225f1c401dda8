/**
 * Reads an input file row by row, as the upload asks for rows: the file is
 * pulled through an async iterator, so nothing is read ahead of what the
 * consumer takes beyond one chunk (64 KiB) and the longest row.
 */
import { createReadStream } from 'node:fs';
import { parse, type CsvError, type Info } from 'csv-parse';
import type { IdentifyUserRequest, TraitMode } from '../../gen/herald/users/v1/users_service.js';
import { csvHeader, LOCAL_REASONS, requestFromCsvRow, requestFromJsonLine, type CsvHeader, type Reason } from './records.ts';

/** One row of the file: a request to send, or a row that cannot be sent. */
export type SourceRow =
  | { readonly line: number; readonly request: IdentifyUserRequest }
  | { readonly line: number; readonly userId: string | null; readonly reasons: Reason[] };

/** Bytes of the file consumed so far, for the progress display. */
export interface ReadProgress {
  bytes: number;
}

/** The file cannot be read as its format at all (e.g. a CSV header without an id column). */
export class UnreadableInputError extends Error {
  override readonly name = 'UnreadableInputError';
}

/** Longest row accepted: the service takes at most 4 MiB in one message. */
export const MAX_ROW_BYTES = 4 * 1024 * 1024;

const CHUNK_BYTES = 64 * 1024;

function tooLong(line: number): SourceRow {
  return {
    line,
    userId: null,
    reasons: [{ field: '', reason: LOCAL_REASONS.TOO_LARGE, description: `the row is longer than ${MAX_ROW_BYTES} bytes` }],
  };
}

/** JSON Lines: one user per line; blank lines are skipped; a line that is not valid UTF-8 is refused. */
export async function* readJsonLines(path: string, traitMode: TraitMode | undefined, progress: ReadProgress): AsyncGenerator<SourceRow> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let overflow = false;
  let lineNumber = 0;

  const row = (bytes: Buffer): SourceRow | undefined => {
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      return { line: lineNumber, userId: null, reasons: [{ field: '', reason: LOCAL_REASONS.MALFORMED, description: 'the line is not valid UTF-8' }] };
    }
    if (lineNumber === 1 && text.startsWith('\uFEFF')) text = text.slice(1);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim() === '') return undefined;
    const mapped = requestFromJsonLine(text, traitMode);
    return mapped.ok ? { line: lineNumber, request: mapped.request } : { line: lineNumber, userId: mapped.userId, reasons: mapped.reasons };
  };

  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let end = chunk.indexOf(10, start); end !== -1; end = chunk.indexOf(10, start)) {
      lineNumber += 1;
      const piece = chunk.subarray(start, end);
      progress.bytes += piece.length + 1;
      start = end + 1;
      let result: SourceRow | undefined;
      if (overflow || carryBytes + piece.length > MAX_ROW_BYTES) result = tooLong(lineNumber);
      else result = row(carry.length === 0 ? piece : Buffer.concat([...carry, piece]));
      carry = [];
      carryBytes = 0;
      overflow = false;
      if (result !== undefined) yield result;
    }
    const rest = chunk.subarray(start);
    progress.bytes += rest.length;
    if (overflow) continue;
    if (carryBytes + rest.length > MAX_ROW_BYTES) {
      overflow = true;
      carry = [];
      carryBytes = 0;
    } else if (rest.length > 0) {
      carry.push(Buffer.from(rest));
      carryBytes += rest.length;
    }
  }
  if (overflow || carryBytes > 0) {
    lineNumber += 1;
    const result = overflow ? tooLong(lineNumber) : row(Buffer.concat(carry));
    if (result !== undefined) yield result;
  }
}

/**
 * The line a CSV record starts on: csv-parse counts the line it ends on, and
 * its raw text begins with the empty lines skipped before it.
 */
function firstLine(info: Info, raw: string | undefined): number {
  if (raw === undefined) return info.lines;
  const body = raw.replace(/^[\r\n]+/, '').replace(/\r?\n$|\r$/, '');
  let breaks = 0;
  for (let i = body.indexOf('\n'); i !== -1; i = body.indexOf('\n', i + 1)) breaks += 1;
  return info.lines - breaks;
}

/**
 * CSV with a header row (RFC 4180: quoted cells may hold commas, quotes and
 * line breaks). A row whose column count differs from the header's, or that
 * is not valid CSV, is refused with its line; the header must name an id
 * column, or UnreadableInputError is thrown before any row.
 */
export async function* readCsv(path: string, traitMode: TraitMode | undefined, progress: ReadProgress): AsyncGenerator<SourceRow> {
  const skipped: SourceRow[] = [];
  const parser = parse({
    bom: true,
    info: true,
    raw: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: MAX_ROW_BYTES,
  });
  parser.on('skip', (error: CsvError) => {
    skipped.push({
      line: typeof error.lines === 'number' ? error.lines : 0,
      userId: null,
      reasons: [{ field: '', reason: LOCAL_REASONS.MALFORMED, description: `not valid CSV: ${error.message}` }],
    });
  });
  const input = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);

  let header: CsvHeader | undefined;
  try {
    for await (const entry of parser as AsyncIterable<{ record: string[]; info: Info; raw?: string }>) {
      progress.bytes = entry.info.bytes;
      while (skipped.length > 0) yield skipped.shift() as SourceRow;
      if (header === undefined) {
        try {
          header = csvHeader(entry.record);
        } catch (error) {
          throw new UnreadableInputError(`${path}: ${error instanceof Error ? error.message : String(error)}`);
        }
        continue;
      }
      const line = firstLine(entry.info, entry.raw);
      const mapped = requestFromCsvRow(header, entry.record, traitMode);
      yield mapped.ok ? { line, request: mapped.request } : { line, userId: mapped.userId, reasons: mapped.reasons };
    }
    while (skipped.length > 0) yield skipped.shift() as SourceRow;
  } finally {
    // Stops reading when the consumer stops early or the header is refused.
    input.destroy();
  }
  if (header === undefined) throw new UnreadableInputError(`${path}: no header row`);
}
