/**
 * Namespace commands: create, drop, dropDatabase, listDatabases,
 * listCollections and count. Collections also come into being implicitly on first write.
 */
import { Long } from 'bson';
import type { Doc } from '../bson/bson-types.ts';
import { CommandError, ErrorCode } from '../errors.ts';
import { compileFilter } from '../query/filter.ts';
import { collectionName, optionalBoolean, optionalDoc, optionalNumber, rejectUnsupported } from './command-args.ts';
import type { CommandContext, CommandSpec } from './command-context.ts';
import { checkCollation, checkHint } from './query-options.ts';
import { readMatches } from './read-documents.ts';
import { waitForEnd } from './write-statement.ts';
import type { Collection } from '../storage/collection.ts';

function create(ctx: CommandContext): Doc {
  const name = collectionName(ctx, 'create');
  rejectUnsupported(ctx.command, ['viewOn', 'pipeline', 'validator', 'timeseries', 'clusteredIndex', 'changeStreamPreAndPostImages', 'expireAfterSeconds', 'storageEngine', 'indexOptionDefaults'], 'create');
  if (optionalBoolean(ctx.command, 'capped', false)) throw new CommandError(ErrorCode.NotImplemented, 'capped collections are not supported by the MongoDB emulator');
  checkCollation(ctx.command);
  if (ctx.server.catalog.get(ctx.db, name) !== undefined) {
    throw new CommandError(ErrorCode.NamespaceExists, `Collection ${ctx.db}.${name} already exists.`);
  }
  ctx.server.catalog.getOrCreate(ctx.db, name);
  return { ok: 1 };
}

/**
 * Waits until no open transaction has written to a collection `touches`
 * selects. MongoDB: "New DDL operations that require locks on those
 * collections or their parent databases must wait until the transaction
 * releases its locks" (Transactions > Production Considerations > Pending
 * DDL Operations and Transactions), so a drop waits for the transaction's
 * commit or abort, or for the lifetime limit to abort it. Only writes are
 * tracked here; MongoDB also waits for transactions that only read.
 */
async function waitForTransactionsOn(ctx: CommandContext, touches: (collection: Collection) => boolean): Promise<void> {
  for (;;) {
    const holder = ctx.server.engine.openTransactions().find((txn) => [...txn.writes.keys()].some(touches));
    if (holder === undefined) return;
    await waitForEnd(holder, ctx.deadline);
  }
}

async function drop(ctx: CommandContext): Promise<Doc> {
  const name = collectionName(ctx, 'drop');
  await waitForTransactionsOn(ctx, (c) => c.db === ctx.db && c.name === name);
  const collection = ctx.server.catalog.get(ctx.db, name);
  // Since MongoDB 7.0 dropping a missing collection succeeds.
  if (collection === undefined) return { ok: 1 };
  const nIndexesWas = collection.indexes.size;
  ctx.server.catalog.drop(ctx.db, name);
  return { nIndexesWas, ns: collection.namespace, ok: 1 };
}

async function dropDatabase(ctx: CommandContext): Promise<Doc> {
  await waitForTransactionsOn(ctx, (c) => c.db === ctx.db);
  ctx.server.catalog.dropDatabase(ctx.db);
  return { ok: 1 };
}

function listDatabases(ctx: CommandContext): Doc {
  const filter = compileFilter(optionalDoc(ctx.command, 'filter'));
  const nameOnly = optionalBoolean(ctx.command, 'nameOnly', false);
  // A database only an open transaction has created a collection in does not exist yet for others.
  const databases = [...ctx.server.catalog.databases.keys()]
    .filter((name) => ctx.server.catalog.list(name).length > 0)
    .map((name): Doc => (nameOnly ? { name } : { name, sizeOnDisk: 0, empty: false }))
    .filter(filter);
  return nameOnly ? { databases, ok: 1 } : { databases, totalSize: 0, totalSizeMb: 0, ok: 1 };
}

function listCollections(ctx: CommandContext): Doc {
  const filter = compileFilter(optionalDoc(ctx.command, 'filter'));
  const nameOnly = optionalBoolean(ctx.command, 'nameOnly', false);
  const docs = ctx.server.catalog
    .list(ctx.db)
    .map((c): Doc => {
      if (nameOnly) return { name: c.name, type: 'collection' };
      return {
        name: c.name,
        type: 'collection',
        options: {},
        info: { readOnly: false },
        idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
      };
    })
    .filter(filter);
  return { cursor: { id: Long.ZERO, ns: `${ctx.db}.$cmd.listCollections`, firstBatch: docs }, ok: 1 };
}

function count(ctx: CommandContext): Doc {
  const name = collectionName(ctx, 'count');
  checkCollation(ctx.command);
  const collection = ctx.server.catalog.get(ctx.db, name);
  checkHint(ctx.command, collection);
  const query = optionalDoc(ctx.command, 'query') ?? {};
  const skip = optionalNumber(ctx.command, 'skip') ?? 0;
  const limit = Math.abs(optionalNumber(ctx.command, 'limit') ?? 0);
  if (skip < 0) throw new CommandError(ErrorCode.BadValue, 'skip value is negative in count query');
  const n = collection === undefined ? 0 : readMatches(ctx.view, collection, query, { skip, limit }).length;
  return { n, ok: 1 };
}

/** create, drop, dropDatabase, listDatabases, listCollections, count. */
export const collectionCommands: Record<string, CommandSpec> = {
  create: {
    handler: create,
    fields: ['capped', 'size', 'max', 'collation', 'viewOn', 'pipeline', 'validator', 'validationLevel', 'validationAction', 'timeseries', 'clusteredIndex', 'changeStreamPreAndPostImages', 'expireAfterSeconds', 'storageEngine', 'indexOptionDefaults'],
    inTransaction: false,
  },
  drop: { handler: drop, fields: [], inTransaction: false },
  dropDatabase: { handler: dropDatabase, fields: [], inTransaction: false },
  listDatabases: { handler: listDatabases, fields: ['filter', 'nameOnly', 'authorizedDatabases'], inTransaction: false },
  listCollections: { handler: listCollections, fields: ['filter', 'nameOnly', 'authorizedCollections', 'cursor'], inTransaction: false },
  count: { handler: count, fields: ['query', 'skip', 'limit', 'hint', 'collation', 'fields'], inTransaction: false },
};
