/**
 * The server errors the emulator reports, with MongoDB's numeric codes and
 * code names (from MongoDB's `error_codes.yml`), so that drivers and
 * application code that branch on `code`, `codeName` or `errorLabels` see the
 * same values they would see from a real server.
 */

/** MongoDB error codes used by the emulator, by code name. */
export const ErrorCode = {
  InternalError: 1,
  BadValue: 2,
  FailedToParse: 9,
  TypeMismatch: 14,
  IllegalOperation: 20,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  ConflictingUpdateOperators: 40,
  CursorNotFound: 43,
  NamespaceExists: 48,
  MaxTimeMSExpired: 50,
  DollarPrefixedFieldName: 52,
  NotSingleValueField: 54,
  CommandNotFound: 59,
  ImmutableField: 66,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  UnknownReplWriteConcern: 79,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  UnsatisfiableWriteConcern: 100,
  WriteConflict: 112,
  CannotIndexParallelArrays: 171,
  NotImplemented: 238,
  NoSuchTransaction: 251,
  TransactionCommitted: 256,
  TransactionTooOld: 225,
  OperationNotSupportedInTransaction: 263,
  Location40400: 40400,
  Location40414: 40414,
  Location40415: 40415,
  BSONObjectTooLarge: 10334,
  DuplicateKey: 11000,
} as const;

/** Code number → code name, for replies. */
const CODE_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(ErrorCode).map(([name, code]) => [code, name]),
);

/** The code name MongoDB reports for a code (empty for codes without one). */
export function codeNameOf(code: number): string {
  const name = CODE_NAMES.get(code);
  return name === undefined || name.startsWith('Location') ? '' : name;
}

/** Labels MongoDB attaches to errors that a driver may retry. */
export const ErrorLabel = {
  TransientTransactionError: 'TransientTransactionError',
  UnknownTransactionCommitResult: 'UnknownTransactionCommitResult',
} as const;

/** Optional parts of a server error beyond code and message. */
export interface CommandErrorExtras {
  readonly labels?: readonly string[];
  /** Extra reply fields, e.g. `keyPattern` and `keyValue` of a duplicate key. */
  readonly fields?: Readonly<Record<string, unknown>>;
}

/**
 * A failure that becomes `{ ok: 0, errmsg, code, codeName }` on the wire (or
 * a `writeErrors` entry for per-statement write failures).
 */
export class CommandError extends Error {
  readonly code: number;
  readonly labels: readonly string[];
  readonly fields: Readonly<Record<string, unknown>>;

  constructor(code: number, message: string, extras: CommandErrorExtras = {}) {
    super(message);
    this.name = 'CommandError';
    this.code = code;
    this.labels = extras.labels ?? [];
    this.fields = extras.fields ?? {};
  }

  get codeName(): string {
    return codeNameOf(this.code);
  }

  /** The error as a failed command reply. */
  toReply(): Record<string, unknown> {
    const reply: Record<string, unknown> = { ok: 0, errmsg: this.message, code: this.code };
    if (this.codeName !== '') reply['codeName'] = this.codeName;
    Object.assign(reply, this.fields);
    if (this.labels.length > 0) reply['errorLabels'] = [...this.labels];
    return reply;
  }

  /** The error as an entry of a write command's `writeErrors`. */
  toWriteError(index: number): Record<string, unknown> {
    const entry: Record<string, unknown> = { index, code: this.code };
    if (this.codeName !== '') entry['codeName'] = this.codeName;
    entry['errmsg'] = this.message;
    Object.assign(entry, this.fields);
    return entry;
  }
}

/** Normalises anything thrown while running a command into a CommandError. */
export function toCommandError(error: unknown): CommandError {
  if (error instanceof CommandError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // Errors from the query engine (mingo) are invalid queries or expressions.
  return new CommandError(ErrorCode.BadValue, message);
}

/** The error for an option the emulator deliberately does not implement. */
export function notImplemented(what: string): CommandError {
  return new CommandError(ErrorCode.NotImplemented, `${what} is not supported by the MongoDB emulator`);
}
