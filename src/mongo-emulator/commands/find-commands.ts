/**
 * find, getMore and killCursors. find answers `{ cursor: { id, ns,
 * firstBatch } }`; the rest of the results wait in the cursor registry for
 * getMore (`nextBatch`); id 0 means the cursor is exhausted.
 */
import { Long } from 'bson';
import type { Doc } from '../bson/bson-types.ts';
import { CommandError, ErrorCode } from '../errors.ts';
import { evaluateLet } from '../query/let-variables.ts';
import { projectDocs } from '../query/projection.ts';
import { parseSortSpec } from '../query/sort.ts';
import { batchLength } from '../server/cursor-registry.ts';
import { sessionKeyOf } from '../txn/session-registry.ts';
import { collectionName, optionalBoolean, optionalDoc, optionalNumber, rejectUnsupported } from './command-args.ts';
import type { CommandContext, CommandSpec } from './command-context.ts';
import { checkCollation, checkHint } from './query-options.ts';
import { readMatches } from './read-documents.ts';

function find(ctx: CommandContext): Doc {
  const name = collectionName(ctx, 'find');
  const { command } = ctx;
  rejectUnsupported(command, ['min', 'max'], 'find');
  for (const flag of ['returnKey', 'showRecordId', 'tailable', 'awaitData']) {
    if (optionalBoolean(command, flag, false)) throw new CommandError(ErrorCode.NotImplemented, `find option '${flag}' is not supported by the MongoDB emulator`);
  }
  checkCollation(command);
  const collection = ctx.server.catalog.get(ctx.db, name);
  checkHint(command, collection);
  const filter = optionalDoc(command, 'filter') ?? {};
  const sortDoc = optionalDoc(command, 'sort');
  const skip = optionalNumber(command, 'skip') ?? 0;
  const rawLimit = optionalNumber(command, 'limit') ?? 0;
  const batchSize = optionalNumber(command, 'batchSize');
  if (skip < 0) throw new CommandError(ErrorCode.BadValue, `BSON field 'skip' value must be >= 0, actual value '${skip}'`);
  if (batchSize !== undefined && batchSize < 0) throw new CommandError(ErrorCode.BadValue, `BSON field 'batchSize' value must be >= 0, actual value '${batchSize}'`);
  // A negative limit is the legacy spelling of "limit, single batch".
  const singleBatch = optionalBoolean(command, 'singleBatch', false) || rawLimit < 0;
  const limit = Math.abs(rawLimit);
  const matches = readMatches(ctx.view, collection, filter, {
    sort: sortDoc === undefined ? undefined : parseSortSpec(sortDoc),
    skip,
    limit,
    variables: evaluateLet(command['let'], ctx.vars),
  });
  const docs = projectDocs(matches.map((m) => m.doc), command['projection'], filter);
  const namespace = `${ctx.db}.${name}`;
  if (singleBatch) {
    // One batch and no cursor: what does not fit 16 MiB is dropped, as in MongoDB.
    const batch = docs.slice(0, batchLength(docs, batchSize === undefined || batchSize === 0 ? docs.length : batchSize));
    return { cursor: { firstBatch: batch, id: Long.ZERO, ns: namespace }, ok: 1 };
  }
  const { id, batch } = ctx.server.cursors.open(namespace, docs, batchSize, sessionKeyOf(command));
  return { cursor: { firstBatch: batch, id, ns: namespace }, ok: 1 };
}

function getMore(ctx: CommandContext): Doc {
  const raw = ctx.command['getMore'];
  const id = typeof raw === 'number' ? Long.fromNumber(raw) : (raw as Long);
  const cursor = ctx.server.cursors.get(id);
  if (cursor === undefined) throw new CommandError(ErrorCode.CursorNotFound, `cursor id ${String(id)} not found`);
  const { id: nextId, batch } = ctx.server.cursors.next(cursor, optionalNumber(ctx.command, 'batchSize'));
  const reply: Doc = { nextBatch: batch, id: nextId, ns: cursor.namespace };
  if (cursor.atClusterTime !== undefined) reply['atClusterTime'] = cursor.atClusterTime;
  return { cursor: reply, ok: 1 };
}

function killCursors(ctx: CommandContext): Doc {
  const ids = ctx.command['cursors'];
  if (!Array.isArray(ids)) throw new CommandError(ErrorCode.Location40414, `BSON field 'killCursors.cursors' is missing but a required field`);
  const killed: unknown[] = [];
  const notFound: unknown[] = [];
  for (const id of ids as Array<Long | number>) (ctx.server.cursors.kill(id) ? killed : notFound).push(id);
  return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
}

/** find, getMore, killCursors. */
export const findCommands: Record<string, CommandSpec> = {
  find: {
    handler: find,
    fields: ['filter', 'sort', 'projection', 'hint', 'skip', 'limit', 'batchSize', 'singleBatch', 'min', 'max', 'returnKey', 'showRecordId', 'tailable', 'awaitData', 'oplogReplay', 'noCursorTimeout', 'allowPartialResults', 'collation', 'let', 'allowDiskUse', 'readOnce'],
    inTransaction: true,
  },
  getMore: { handler: getMore, fields: ['collection', 'batchSize'], inTransaction: true },
  killCursors: { handler: killCursors, fields: ['cursors'], inTransaction: true },
};
