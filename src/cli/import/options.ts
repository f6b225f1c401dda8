/**
 * The import command's arguments: parsed and checked once, with the usage
 * text that `--help` prints. A bad argument is a UsageError (exit status 2).
 */
import { parseArgs } from 'node:util';
import { TraitMode } from '../../gen/herald/users/v1/users_service.js';

/** Input formats the command reads. */
export const FORMATS = ['jsonl', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

/** Most users in one stream message: the API takes 1 to 1000. */
export const MAX_BATCH = 1000;
export const DEFAULT_BATCH = 500;
export const DEFAULT_ADDRESS = 'localhost:50051';
export const DEFAULT_RETRIES = 10;

/** What the command was asked to do. */
export interface ImportOptions {
  readonly file: string;
  readonly address: string;
  readonly format: Format;
  /** Set on every record when --mode is given; undefined leaves each record's own trait_mode. */
  readonly traitMode: TraitMode | undefined;
  readonly batch: number;
  /** Reconnections tried in a row without progress before giving up. */
  readonly retries: number;
  /** Where rejected rows go: `<file>.rejected.jsonl`. */
  readonly rejectsFile: string;
}

/** A bad command line; the message says what and the caller prints the usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Usage: npm run import -- [options] FILE
       users-import [options] FILE

Identifies every user in FILE through the Users service's StreamIdentifyUsers
stream, in batches, reading the file as it goes (any size, constant memory).
A broken connection is resumed from the last acknowledged record.

FILE formats (chosen by extension: .jsonl/.ndjson or .csv; or --format):
  jsonl  one JSON object per line, shaped as IdentifyUserRequest (as grpcurl
         takes it): user_id, name, email, avatar, phone_number, timezone,
         locale, properties, trait_mode, unset_properties, created_at,
         channel_data, preferences, expected_version. snake_case or
         camelCase names. Blank lines are skipped.
  csv    a header row, then one user per row. Columns id (or user_id), name,
         email, phone_number, avatar, timezone, locale; every other column
         becomes a property (trait) with the cell's text as its value.
         Empty cells are left out (the stored value stays as it was).

Options:
  --address HOST:PORT   the service (default ${DEFAULT_ADDRESS})
  --mode merge|replace  set trait_mode on every record: merge replaces each
                        trait sent and keeps the others, replace makes the
                        traits exactly what the record sends. Without it each
                        record's own trait_mode applies (merge by default).
  --batch N             users per stream message, 1 to ${MAX_BATCH} (default ${DEFAULT_BATCH})
  --format jsonl|csv    override the format the extension implies
  --retries N           reconnections in a row without progress before the
                        upload is given up (default ${DEFAULT_RETRIES})
  -h, --help            show this text

Rejected rows (lines that cannot be read and records the service refuses)
are written to FILE.rejected.jsonl, one JSON object per line:
  {"line": 12, "user_id": "u-12", "reasons": [{"field": "email", "reason": "INVALID_EMAIL", "description": "..."}]}
"line" is the row's line number in FILE (from 1; in CSV, the line where the
record starts); "user_id" is null when the row could not be read.

Exit status:
  0  every row was stored
  1  the upload completed but some rows were rejected (see FILE.rejected.jsonl)
  2  bad command line or unreadable FILE
  3  the upload could not be completed (service unreachable after retries, or
     the stream failed); rows acknowledged before stay stored, and running the
     command again is safe
`;

function wholeNumber(name: string, raw: string, min: number, max: number): number {
  if (!/^[0-9]+$/.test(raw)) throw new UsageError(`--${name} must be a whole number, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < min || value > max) throw new UsageError(`--${name} must be ${min} to ${max}, got ${raw}`);
  return value;
}

function formatOf(file: string, explicit: string | undefined): Format {
  if (explicit !== undefined) {
    if (!(FORMATS as readonly string[]).includes(explicit)) {
      throw new UsageError(`--format must be jsonl or csv, got ${JSON.stringify(explicit)}`);
    }
    return explicit as Format;
  }
  const lower = file.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.csv')) return 'csv';
  throw new UsageError(`cannot tell the format of ${JSON.stringify(file)} from its extension (.jsonl, .ndjson or .csv); give --format`);
}

function modeOf(raw: string | undefined): TraitMode | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'merge') return TraitMode.TRAIT_MODE_MERGE;
  if (raw === 'replace') return TraitMode.TRAIT_MODE_REPLACE;
  throw new UsageError(`--mode must be merge or replace, got ${JSON.stringify(raw)}`);
}

function checkAddress(address: string): string {
  // host:port, [ipv6]:port, or a grpc-js target such as dns:///host:port or unix:/path.
  if (/^[a-z][a-z0-9+.-]*:/i.test(address) && !/^[^:/]+:[0-9]+$/.test(address)) return address;
  const match = /^(\[[^\]]+\]|[^:[\]]+):([0-9]{1,5})$/.exec(address);
  if (match === null || Number(match[2]) > 65535 || Number(match[2]) === 0) {
    throw new UsageError(`--address must be HOST:PORT, got ${JSON.stringify(address)}`);
  }
  return address;
}

/** Parses argv (without node and the script); `help` when --help was asked for. */
export function parseImportArgs(argv: readonly string[]): ImportOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        address: { type: 'string' },
        mode: { type: 'string' },
        batch: { type: 'string' },
        format: { type: 'string' },
        retries: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help === true) return 'help';
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'no FILE given' : `one FILE only, got ${positionals.length}`);
  }
  const file = positionals[0] as string;
  return {
    file,
    address: checkAddress(values.address ?? DEFAULT_ADDRESS),
    format: formatOf(file, values.format),
    traitMode: modeOf(values.mode),
    batch: values.batch === undefined ? DEFAULT_BATCH : wholeNumber('batch', values.batch, 1, MAX_BATCH),
    retries: values.retries === undefined ? DEFAULT_RETRIES : wholeNumber('retries', values.retries, 0, 100),
    rejectsFile: `${file}.rejected.jsonl`,
  };
}
