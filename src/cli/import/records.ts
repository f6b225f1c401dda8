/**
 * Turns one input row into an IdentifyUserRequest, or says why it cannot.
 *
 * The generated `IdentifyUserRequest.fromJSON` takes both snake_case and
 * camelCase names but is lenient: it turns a number or an object into a
 * string, a 1 into `true`, and drops keys it does not know. An import that
 * silently stored "[object Object]" as a name, or dropped a misspelt
 * "emial", would be worse than one that refuses the row, so the JSON shape
 * is checked here first (names, JSON types) and only then handed to
 * fromJSON. The values themselves (email syntax, lengths, ...) are the
 * service's to judge.
 */
import { IdentifyUserRequest, type TraitMode } from '../../gen/herald/users/v1/users_service.js';

/** One reason a row was refused, as the rejected-rows file writes it. */
export interface Reason {
  readonly field: string;
  readonly reason: string;
  readonly description: string;
}

/** A row as a request, or the reasons it is not one. */
export type Mapped =
  | { readonly ok: true; readonly request: IdentifyUserRequest }
  | { readonly ok: false; readonly userId: string | null; readonly reasons: Reason[] };

/** Reasons the command itself gives (the service's own come in its acknowledgements). */
export const LOCAL_REASONS = {
  MALFORMED: 'MALFORMED',
  UNKNOWN_FIELD: 'UNKNOWN_FIELD',
  INVALID_TYPE: 'INVALID_TYPE',
  CONFLICT: 'CONFLICT',
  UNKNOWN_ENUM_VALUE: 'UNKNOWN_ENUM_VALUE',
  TOO_LARGE: 'TOO_LARGE',
} as const;

type Check = (value: unknown, path: string, out: Reason[]) => void;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeError(path: string, expected: string, value: unknown): Reason {
  return { field: path, reason: LOCAL_REASONS.INVALID_TYPE, description: `must be ${expected}, got ${describe(value)}` };
}

const string: Check = (value, path, out) => {
  if (typeof value !== 'string') out.push(typeError(path, 'a string', value));
};

const boolean: Check = (value, path, out) => {
  if (typeof value !== 'boolean') out.push(typeError(path, 'true or false', value));
};

const object: Check = (value, path, out) => {
  if (!isPlainObject(value)) out.push(typeError(path, 'a JSON object', value));
};

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

const timestamp: Check = (value, path, out) => {
  if (typeof value !== 'string') out.push(typeError(path, 'an RFC 3339 time string', value));
  else if (!RFC3339.test(value) || Number.isNaN(Date.parse(value))) {
    out.push({ field: path, reason: LOCAL_REASONS.MALFORMED, description: `${JSON.stringify(value)} is not an RFC 3339 time such as "2024-01-31T12:00:00Z"` });
  }
};

const TRAIT_MODES: readonly unknown[] = ['TRAIT_MODE_UNSPECIFIED', 'TRAIT_MODE_MERGE', 'TRAIT_MODE_REPLACE', 0, 1, 2];

const traitMode: Check = (value, path, out) => {
  if (!TRAIT_MODES.includes(value)) {
    out.push({ field: path, reason: LOCAL_REASONS.UNKNOWN_ENUM_VALUE, description: `${JSON.stringify(value)} is not TRAIT_MODE_MERGE or TRAIT_MODE_REPLACE` });
  }
};

function arrayOf(item: Check): Check {
  return (value, path, out) => {
    if (!Array.isArray(value)) out.push(typeError(path, 'an array', value));
    else value.forEach((entry, index) => item(entry, `${path}[${index}]`, out));
  };
}

function mapOf(item: Check): Check {
  return (value, path, out) => {
    if (!isPlainObject(value)) out.push(typeError(path, 'a JSON object', value));
    else for (const [key, entry] of Object.entries(value)) item(entry, `${path}.${key}`, out);
  };
}

/** Fields by their proto name; the camelCase JSON name is accepted too. */
type Fields = Readonly<Record<string, Check>>;

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * Checks a message's fields and returns it with proto (snake_case) names.
 * A null value counts as absent, as in protobuf JSON.
 */
function messageOf(fields: Fields): (value: unknown, path: string, out: Reason[]) => Record<string, unknown> | undefined {
  const byJsonName = new Map<string, string>();
  for (const name of Object.keys(fields)) {
    byJsonName.set(name, name);
    byJsonName.set(camel(name), name);
  }
  return (value, path, out) => {
    if (!isPlainObject(value)) {
      out.push(typeError(path === '' ? 'user' : path, 'a JSON object', value));
      return undefined;
    }
    const result: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) {
      const name = byJsonName.get(key);
      const fieldPath = path === '' ? key : `${path}.${key}`;
      if (name === undefined) {
        out.push({ field: fieldPath, reason: LOCAL_REASONS.UNKNOWN_FIELD, description: `${JSON.stringify(key)} is not a field of ${path === '' ? 'IdentifyUserRequest' : 'this message'}` });
        continue;
      }
      if (entry === null) continue;
      if (Object.hasOwn(result, name)) {
        out.push({ field: path === '' ? name : `${path}.${name}`, reason: LOCAL_REASONS.CONFLICT, description: `given twice, as ${name} and as ${camel(name)}` });
        continue;
      }
      (fields[name] as Check)(entry, path === '' ? name : `${path}.${name}`, out);
      // defineProperty, not assignment: a key "__proto__" stays data.
      Object.defineProperty(result, name, { value: entry, enumerable: true, writable: true, configurable: true });
    }
    return result;
  };
}

function nested(fields: Fields): Check {
  const check = messageOf(fields);
  return (value, path, out) => void check(value, path, out);
}

const preferenceSetting = nested({ enabled: boolean, channel_types: mapOf(boolean) });

const identifyUser = messageOf({
  user_id: string,
  name: string,
  email: string,
  avatar: string,
  phone_number: string,
  timezone: string,
  locale: string,
  properties: object,
  trait_mode: traitMode,
  unset_properties: arrayOf(string),
  created_at: timestamp,
  channel_data: arrayOf(nested({ channel_id: string, data: object })),
  preferences: arrayOf(
    nested({ id: string, channel_types: mapOf(boolean), workflows: mapOf(preferenceSetting), categories: mapOf(preferenceSetting) }),
  ),
  expected_version: string,
});

function userIdOf(value: unknown): string | null {
  if (!isPlainObject(value)) return null;
  const id = value['user_id'] ?? value['userId'];
  return typeof id === 'string' ? id : null;
}

/** A parsed JSON value (one JSON Lines line) as a request. */
export function requestFromJson(value: unknown, traitModeOverride: TraitMode | undefined): Mapped {
  const reasons: Reason[] = [];
  const clean = identifyUser(value, '', reasons);
  if (clean === undefined || reasons.length > 0) return { ok: false, userId: userIdOf(value), reasons };
  let request: IdentifyUserRequest;
  try {
    request = IdentifyUserRequest.fromJSON(clean);
  } catch (error) {
    const description = error instanceof Error ? error.message : String(error);
    return { ok: false, userId: userIdOf(value), reasons: [{ field: '', reason: LOCAL_REASONS.MALFORMED, description }] };
  }
  if (traitModeOverride !== undefined) request.traitMode = traitModeOverride;
  return { ok: true, request };
}

/** One JSON Lines line (without its line break) as a request. */
export function requestFromJsonLine(line: string, traitModeOverride: TraitMode | undefined): Mapped {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    const description = `not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
    return { ok: false, userId: null, reasons: [{ field: '', reason: LOCAL_REASONS.MALFORMED, description }] };
  }
  return requestFromJson(value, traitModeOverride);
}

/** CSV columns that are fields of the request; every other column is a property. */
const CSV_FIELDS = {
  id: 'userId',
  user_id: 'userId',
  name: 'name',
  email: 'email',
  phone_number: 'phoneNumber',
  avatar: 'avatar',
  timezone: 'timezone',
  locale: 'locale',
} as const satisfies Record<string, keyof IdentifyUserRequest>;

type CsvField = (typeof CSV_FIELDS)[keyof typeof CSV_FIELDS];

/** How each column of a CSV file maps: a request field or a property key. */
export type CsvHeader = readonly ({ readonly field: CsvField } | { readonly property: string })[];

/**
 * Reads the header row. Throws an Error naming the problem when the file
 * cannot be imported at all: no id column, or a column named twice or not
 * at all.
 */
export function csvHeader(cells: readonly string[]): CsvHeader {
  const seen = new Set<string>();
  const header = cells.map((raw, index) => {
    const name = raw.trim();
    if (name === '') throw new Error(`column ${index + 1} of the header row has no name`);
    const key = Object.hasOwn(CSV_FIELDS, name) ? CSV_FIELDS[name as keyof typeof CSV_FIELDS] : undefined;
    const identity = key ?? `property:${name}`;
    if (seen.has(identity)) throw new Error(`the header row names ${JSON.stringify(name)} twice${key === 'userId' ? ' (id and user_id are the same column)' : ''}`);
    seen.add(identity);
    return key === undefined ? { property: name } : { field: key };
  });
  if (!seen.has('userId')) throw new Error('the header row has no id column');
  return header;
}

/** One CSV row (its cells, in header order) as a request. */
export function requestFromCsvRow(header: CsvHeader, cells: readonly string[], traitModeOverride: TraitMode | undefined): Mapped {
  const idColumn = header.findIndex((column) => 'field' in column && column.field === 'userId');
  if (cells.length !== header.length) {
    const id = cells[idColumn];
    return {
      ok: false,
      userId: id === undefined || id === '' ? null : id,
      reasons: [{ field: '', reason: LOCAL_REASONS.MALFORMED, description: `the row has ${cells.length} columns, the header ${header.length}` }],
    };
  }
  const request = IdentifyUserRequest.fromPartial({});
  let properties: Record<string, unknown> | undefined;
  header.forEach((column, index) => {
    const cell = cells[index] as string;
    if (cell === '') return;
    if ('field' in column) request[column.field] = cell;
    else {
      properties ??= {};
      Object.defineProperty(properties, column.property, { value: cell, enumerable: true, writable: true, configurable: true });
    }
  });
  if (properties !== undefined) request.properties = properties;
  if (traitModeOverride !== undefined) request.traitMode = traitModeOverride;
  return { ok: true, request };
}
