/**
 * createIndexes, listIndexes and dropIndexes. Creating an index identical
 * to an existing one is a no-op; a unique index over existing duplicates
 * fails with E11000 and is not created.
 */
import { Long } from 'bson';
import type { Doc } from '../bson/bson-types.ts';
import { CommandError, ErrorCode } from '../errors.ts';
import { latestDoc } from '../storage/collection.ts';
import { buildIndexDef, checkAgainstExisting, type IndexDef } from '../storage/index-spec.ts';
import { duplicateKeyError, indexKeysOf } from '../storage/unique-index.ts';
import { collectionName } from './command-args.ts';
import type { CommandContext, CommandSpec } from './command-context.ts';
import type { Collection } from '../storage/collection.ts';
import { canonicalKey } from '../bson/canonical-key.ts';

/** Fills a new unique index from the latest committed documents, or fails on a duplicate. */
function populateUnique(collection: Collection, def: IndexDef): void {
  for (const [idKey, chain] of collection.chains) {
    const doc = latestDoc(chain);
    if (doc === undefined) continue;
    for (const indexKey of indexKeysOf(def, doc)) {
      const owner = def.entries.get(indexKey.key);
      if (owner !== undefined && owner !== idKey) {
        def.entries.clear();
        throw duplicateKeyError(collection.namespace, def, indexKey);
      }
      def.entries.set(indexKey.key, idKey);
    }
  }
}

function createIndexes(ctx: CommandContext): Doc {
  const name = collectionName(ctx, 'createIndexes');
  const specs = ctx.command['indexes'];
  if (!Array.isArray(specs) || specs.length === 0) throw new CommandError(ErrorCode.BadValue, 'Must specify at least one index to create');
  const existed = ctx.server.catalog.get(ctx.db, name) !== undefined;
  const collection = ctx.server.catalog.getOrCreate(ctx.db, name);
  const before = collection.indexes.size;
  const defs = specs.map(buildIndexDef);
  const toCreate: IndexDef[] = [];
  for (const def of defs) {
    if (def.name === '_id_' || canonicalKey(def.key) === canonicalKey({ _id: 1 })) {
      if (def.unique && def.name !== '_id_') throw new CommandError(ErrorCode.BadValue, 'The field \'unique\' is not valid for an _id index specification');
      continue;
    }
    if (checkAgainstExisting([...collection.indexes.values(), ...toCreate], def) === 'create') toCreate.push(def);
  }
  for (const def of toCreate) {
    if (def.unique) {
      if (ctx.server.engine.openTransactions().some((txn) => txn.writes.has(collection))) {
        throw new CommandError(ErrorCode.WriteConflict, 'cannot build a unique index while transactions write to the collection');
      }
      populateUnique(collection, def);
    }
  }
  for (const def of toCreate) collection.indexes.set(def.name, def);
  const reply: Doc = { numIndexesBefore: before, numIndexesAfter: collection.indexes.size, createdCollectionAutomatically: !existed, ok: 1 };
  if (toCreate.length === 0) reply['note'] = 'all indexes already exist';
  return reply;
}

function listIndexes(ctx: CommandContext): Doc {
  const name = collectionName(ctx, 'listIndexes');
  const collection = ctx.server.catalog.get(ctx.db, name);
  if (collection === undefined) throw new CommandError(ErrorCode.NamespaceNotFound, `ns does not exist: ${ctx.db}.${name}`);
  const firstBatch = [...collection.indexes.values()].map((def) => ({ ...def.spec }));
  return { cursor: { id: Long.ZERO, ns: collection.namespace, firstBatch }, ok: 1 };
}

function dropIndexes(ctx: CommandContext): Doc {
  const name = collectionName(ctx, 'dropIndexes');
  const collection = ctx.server.catalog.get(ctx.db, name);
  if (collection === undefined) throw new CommandError(ErrorCode.NamespaceNotFound, `ns not found ${ctx.db}.${name}`);
  const target = ctx.command['index'];
  const before = collection.indexes.size;
  const names: string[] = [];
  if (target === '*') {
    names.push(...[...collection.indexes.keys()].filter((n) => n !== '_id_'));
  } else {
    const wanted = Array.isArray(target) ? target : [target];
    for (const item of wanted) {
      const def = [...collection.indexes.values()].find((d) =>
        typeof item === 'string' ? d.name === item : canonicalKey(d.key) === canonicalKey(item),
      );
      if (def === undefined) {
        throw new CommandError(ErrorCode.IndexNotFound, `index not found with name [${typeof item === 'string' ? item : JSON.stringify(item)}]`);
      }
      if (def.name === '_id_') throw new CommandError(ErrorCode.InvalidOptions, 'cannot drop _id index');
      names.push(def.name);
    }
  }
  for (const n of names) collection.indexes.delete(n);
  return { nIndexesWas: before, ok: 1 };
}

/** createIndexes, listIndexes, dropIndexes. */
export const indexCommands: Record<string, CommandSpec> = {
  createIndexes: { handler: createIndexes, fields: ['indexes', 'commitQuorum'], inTransaction: false },
  listIndexes: { handler: listIndexes, fields: ['cursor'], inTransaction: false },
  dropIndexes: { handler: dropIndexes, fields: ['index'], inTransaction: false },
};
