/**
 * Reading typed arguments out of command documents, with MongoDB-style
 * errors when a field has the wrong type.
 */
import { bsonTypeOf, isPlainDoc, type Doc } from '../bson/bson-types.ts';
import { CommandError, ErrorCode } from '../errors.ts';
import { assertValidCollectionName } from '../storage/catalog.ts';
import type { CommandContext } from './command-context.ts';

/** A numeric field (int32, int64, double) as a JS number, or undefined. */
export function optionalNumber(command: Doc, field: string): number | undefined {
  const value = command[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value;
  const tag = bsonTypeOf(value);
  if (tag === 'Long' || tag === 'Int32' || tag === 'Double' || tag === 'Decimal128') return Number(String(value));
  throw new CommandError(ErrorCode.TypeMismatch, `BSON field '${field}' is the wrong type '${typeof value}', expected types '[long, int, decimal, double]'`);
}

/** A boolean field, defaulting when absent. */
export function optionalBoolean(command: Doc, field: string, fallback: boolean): boolean {
  const value = command[field];
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  throw new CommandError(ErrorCode.TypeMismatch, `BSON field '${field}' is the wrong type '${typeof value}', expected type 'bool'`);
}

/** A document field, or undefined. */
export function optionalDoc(command: Doc, field: string): Doc | undefined {
  const value = command[field];
  if (value === undefined || value === null) return undefined;
  if (isPlainDoc(value)) return value;
  throw new CommandError(ErrorCode.TypeMismatch, `BSON field '${field}' is the wrong type '${typeof value}', expected type 'object'`);
}

/** An array-of-documents field (e.g. `documents`, `updates`). */
export function requiredDocArray(command: Doc, field: string, commandName: string): Doc[] {
  const value = command[field];
  if (!Array.isArray(value)) {
    throw new CommandError(ErrorCode.Location40414, `BSON field '${commandName}.${field}' is missing but a required field`);
  }
  for (const item of value) {
    if (!isPlainDoc(item)) throw new CommandError(ErrorCode.TypeMismatch, `BSON field '${commandName}.${field}' must be an array of objects`);
  }
  return value as Doc[];
}

/** The collection a command names in its first field. */
export function collectionName(ctx: CommandContext, commandName: string): string {
  const name = ctx.command[commandName];
  assertValidCollectionName(ctx.db, name);
  return name;
}

/** Rejects options the emulator does not implement instead of ignoring them. */
export function rejectUnsupported(command: Doc, fields: readonly string[], what: string): void {
  for (const field of fields) {
    if (command[field] !== undefined && command[field] !== null) {
      throw new CommandError(ErrorCode.NotImplemented, `${what} option '${field}' is not supported by the MongoDB emulator`);
    }
  }
}
