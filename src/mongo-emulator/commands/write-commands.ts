/**
 * insert, update and delete. Each statement succeeds or fails on its own:
 * failures become `writeErrors` entries with the statement's `index` inside
 * an `ok: 1` reply; an ordered batch stops at the first failure, an
 * unordered one goes on. Inside a transaction the first failure ends the
 * batch (MongoDB aborts the transaction on it).
 */
import type { Doc } from '../bson/bson-types.ts';
import { cloneDoc } from '../bson/clone.ts';
import { CommandError, ErrorCode, toCommandError } from '../errors.ts';
import { evaluateLet } from '../query/let-variables.ts';
import type { Change } from '../txn/write-engine.ts';
import { finalizeDoc } from '../update/document-rules.ts';
import { parseUpdate } from '../update/update-spec.ts';
import { collectionName, optionalBoolean, optionalDoc, optionalNumber, rejectUnsupported, requiredDocArray } from './command-args.ts';
import type { CommandContext, CommandSpec } from './command-context.ts';
import { checkCollation, checkHint } from './query-options.ts';
import { readMatches } from './read-documents.ts';
import { planUpdate } from './update-statement.ts';
import { collectionForWrite, insertChange, isCommandLevel, runStatement } from './write-statement.ts';

// `sort` in an update statement came with MongoDB 8.0; the emulator presents itself as 7.0
// (buildInfo, maxWireVersion 21), where the field is unknown (40415).
const UPDATE_STATEMENT_FIELDS = new Set(['q', 'u', 'c', 'upsert', 'multi', 'arrayFilters', 'hint', 'collation', 'upsertSupplied']);
const DELETE_STATEMENT_FIELDS = new Set(['q', 'limit', 'hint', 'collation']);

/** Statement documents are parsed like commands: an unknown field fails the whole command (40415). */
function checkStatementFields(statement: Doc, allowed: ReadonlySet<string>, where: string): void {
  for (const field of Object.keys(statement)) {
    if (!allowed.has(field)) throw new CommandError(ErrorCode.Location40415, `BSON field '${where}.${field}' is an unknown field.`);
  }
}

/** Runs statements in order, collecting write errors. */
async function forEachStatement(
  ctx: CommandContext,
  statements: readonly Doc[],
  run: (statement: Doc, index: number) => Promise<void>,
): Promise<Doc[]> {
  const ordered = optionalBoolean(ctx.command, 'ordered', true) || ctx.txn !== undefined;
  const writeErrors: Doc[] = [];
  for (let index = 0; index < statements.length; index++) {
    try {
      await run(statements[index] as Doc, index);
    } catch (thrown) {
      const error = toCommandError(thrown);
      if (isCommandLevel(error)) throw error;
      writeErrors.push(error.toWriteError(index));
      if (ordered) break;
    }
  }
  return writeErrors;
}

function withErrors(reply: Doc, writeErrors: Doc[]): Doc {
  if (writeErrors.length > 0) reply['writeErrors'] = writeErrors;
  reply['ok'] = 1;
  return reply;
}

async function insert(ctx: CommandContext): Promise<Doc> {
  const name = collectionName(ctx, 'insert');
  const documents = requiredDocArray(ctx.command, 'documents', 'insert');
  const collection = collectionForWrite(ctx, name);
  let n = 0;
  const writeErrors = await forEachStatement(ctx, documents, async (raw) => {
    const doc = finalizeDoc(cloneDoc(raw));
    await runStatement(ctx, () => ({ changes: [insertChange(ctx.view, collection, doc)], result: undefined }));
    n++;
  });
  return withErrors({ n }, writeErrors);
}

async function update(ctx: CommandContext): Promise<Doc> {
  const name = collectionName(ctx, 'update');
  const statements = requiredDocArray(ctx.command, 'updates', 'update');
  for (const statement of statements) checkStatementFields(statement, UPDATE_STATEMENT_FIELDS, 'update.updates');
  const collection = collectionForWrite(ctx, name);
  const letVars = evaluateLet(ctx.command['let'], ctx.vars);
  let n = 0;
  let nModified = 0;
  const upserted: Doc[] = [];
  const writeErrors = await forEachStatement(ctx, statements, async (raw, index) => {
    rejectUnsupported(raw, ['c'], 'update');
    checkCollation(raw);
    checkHint(raw, collection);
    const filter = optionalDoc(raw, 'q') ?? {};
    const arrayFilters = raw['arrayFilters'];
    if (arrayFilters !== undefined && !Array.isArray(arrayFilters)) throw new CommandError(ErrorCode.TypeMismatch, 'arrayFilters must be an array');
    const multi = optionalBoolean(raw, 'multi', false);
    const spec = parseUpdate(raw['u']);
    if (multi && spec.kind === 'replacement') throw new CommandError(ErrorCode.FailedToParse, 'multi update is not supported for replacement-style update');
    const outcome = await runStatement(ctx, () =>
      planUpdate(ctx, collection, {
        filter,
        spec,
        multi,
        upsert: optionalBoolean(raw, 'upsert', false),
        arrayFilters: arrayFilters as Doc[] | undefined,
        sort: undefined,
        letVars,
      }),
    );
    if (outcome.upsertedId !== undefined) {
      n += 1;
      upserted.push({ index, _id: outcome.upsertedId });
    } else {
      n += outcome.matched;
      nModified += outcome.modified;
    }
  });
  const reply: Doc = { n, nModified };
  if (upserted.length > 0) reply['upserted'] = upserted;
  return withErrors(reply, writeErrors);
}

async function remove(ctx: CommandContext): Promise<Doc> {
  const name = collectionName(ctx, 'delete');
  const statements = requiredDocArray(ctx.command, 'deletes', 'delete');
  for (const statement of statements) checkStatementFields(statement, DELETE_STATEMENT_FIELDS, 'delete.deletes');
  const collection = ctx.server.catalog.get(ctx.db, name);
  const variables = evaluateLet(ctx.command['let'], ctx.vars);
  let n = 0;
  const writeErrors = await forEachStatement(ctx, statements, async (raw) => {
    checkCollation(raw);
    checkHint(raw, collection);
    const limit = optionalNumber(raw, 'limit');
    if (limit !== 0 && limit !== 1) throw new CommandError(ErrorCode.FailedToParse, 'The limit field in delete objects must be 0 or 1. Got ' + String(limit));
    const filter = optionalDoc(raw, 'q') ?? {};
    n += await runStatement(ctx, () => {
      const matches = readMatches(ctx.view, collection, filter, { limit, variables });
      const changes: Change[] = collection === undefined ? [] : matches.map((m) => ({ collection, idKey: m.idKey, after: null }));
      return { changes, result: changes.length };
    });
  });
  return withErrors({ n }, writeErrors);
}

/** insert, update, delete. */
export const writeCommands: Record<string, CommandSpec> = {
  insert: { handler: insert, fields: ['documents', 'ordered', 'bypassDocumentValidation'], inTransaction: true },
  update: { handler: update, fields: ['updates', 'ordered', 'bypassDocumentValidation', 'let'], inTransaction: true },
  delete: { handler: remove, fields: ['deletes', 'ordered', 'let'], inTransaction: true },
};
