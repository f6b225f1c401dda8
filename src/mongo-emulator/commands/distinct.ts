/**
 * distinct: the distinct values of `key` over the documents matching
 * `query`, as `{ values: [...], ok: 1 }`. As MongoDB documents it, each
 * element of an array value counts as a value of its own (an array inside
 * the array stays one value), a dotted key reaches into the documents of
 * arrays on its path, documents without the field add nothing, and values
 * equal by BSON comparison (1, 1.0, Long 1) are one value. It runs inside
 * transactions (their snapshot and own writes) and, with read concern
 * "snapshot", at a cluster time (the dispatcher reports `atClusterTime`).
 * The values come back in BSON order; MongoDB leaves the order unspecified.
 */
import { compareValues } from '../bson/bson-order.ts';
import type { Doc } from '../bson/bson-types.ts';
import { canonicalKey } from '../bson/canonical-key.ts';
import { valuesAtPath } from '../bson/paths.ts';
import { CommandError, ErrorCode } from '../errors.ts';
import { collectionName, optionalDoc } from './command-args.ts';
import type { CommandContext, CommandSpec } from './command-context.ts';
import { checkCollation } from './query-options.ts';
import { readMatches } from './read-documents.ts';

function distinct(ctx: CommandContext): Doc {
  const name = collectionName(ctx, 'distinct');
  const key = ctx.command['key'];
  if (key === undefined) throw new CommandError(ErrorCode.Location40414, "BSON field 'distinct.key' is missing but a required field");
  if (typeof key !== 'string') {
    throw new CommandError(ErrorCode.TypeMismatch, `BSON field 'distinct.key' is the wrong type '${typeof key}', expected type 'string'`);
  }
  checkCollation(ctx.command);
  const query = optionalDoc(ctx.command, 'query') ?? {};
  const collection = ctx.server.catalog.get(ctx.db, name);
  const seen = new Map<string, unknown>();
  for (const { doc } of readMatches(ctx.view, collection, query)) {
    for (const value of valuesAtPath(doc, key, true)) {
      if (value === undefined) continue;
      const id = canonicalKey(value);
      if (!seen.has(id)) seen.set(id, value);
    }
  }
  return { values: [...seen.values()].sort(compareValues), ok: 1 };
}

/** distinct. */
export const distinctCommands: Record<string, CommandSpec> = {
  distinct: { handler: distinct, fields: ['key', 'query', 'collation'], inTransaction: true },
};
