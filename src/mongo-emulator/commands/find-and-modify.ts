/**
 * findAndModify: update (operators, replacement or pipeline), upsert or
 * remove the first document matching `query` in `sort` order, and return it
 * as it was before, or after with `new: true`. Replies `{ lastErrorObject:
 * { n, updatedExisting, upserted? }, value, ok: 1 }`; failures are
 * command errors, not write errors.
 */
import type { Doc } from '../bson/bson-types.ts';
import { CommandError, ErrorCode } from '../errors.ts';
import { evaluateLet } from '../query/let-variables.ts';
import { projectDocs } from '../query/projection.ts';
import { parseSortSpec } from '../query/sort.ts';
import { parseUpdate } from '../update/update-spec.ts';
import { collectionName, optionalBoolean, optionalDoc } from './command-args.ts';
import type { CommandContext, CommandSpec } from './command-context.ts';
import { checkCollation, checkHint } from './query-options.ts';
import { readMatches } from './read-documents.ts';
import { planUpdate } from './update-statement.ts';
import { collectionForWrite, runStatement } from './write-statement.ts';

function project(doc: Doc | undefined, fields: Doc | undefined, filter: Doc): Doc | null {
  if (doc === undefined) return null;
  return projectDocs([doc], fields, filter)[0] ?? null;
}

async function findAndModify(ctx: CommandContext): Promise<Doc> {
  const { command } = ctx;
  const name = collectionName(ctx, 'findAndModify');
  checkCollation(command);
  const collection = collectionForWrite(ctx, name);
  checkHint(command, collection);
  const filter = optionalDoc(command, 'query') ?? {};
  const sortDoc = optionalDoc(command, 'sort');
  const sort = sortDoc === undefined ? undefined : parseSortSpec(sortDoc);
  const fields = optionalDoc(command, 'fields');
  const letVars = evaluateLet(command['let'], ctx.vars);
  const remove = optionalBoolean(command, 'remove', false);
  const returnNew = optionalBoolean(command, 'new', false);
  const upsert = optionalBoolean(command, 'upsert', false);
  const hasUpdate = command['update'] !== undefined;
  if (remove && (hasUpdate || returnNew || upsert)) {
    throw new CommandError(ErrorCode.FailedToParse, 'Cannot specify both an update and remove=true');
  }
  if (!remove && !hasUpdate) throw new CommandError(ErrorCode.FailedToParse, 'Either an update or remove=true must be specified');

  if (remove) {
    const removed = await runStatement(ctx, () => {
      const match = readMatches(ctx.view, collection, filter, { sort, limit: 1, variables: letVars })[0];
      return { changes: match === undefined ? [] : [{ collection, idKey: match.idKey, after: null }], result: match?.doc };
    });
    return { lastErrorObject: { n: removed === undefined ? 0 : 1 }, value: project(removed, fields, filter), ok: 1 };
  }

  const spec = parseUpdate(command['update']);
  const arrayFilters = command['arrayFilters'];
  if (arrayFilters !== undefined && !Array.isArray(arrayFilters)) throw new CommandError(ErrorCode.TypeMismatch, 'arrayFilters must be an array');
  const outcome = await runStatement(ctx, () =>
    planUpdate(ctx, collection, {
      filter,
      spec,
      multi: false,
      upsert,
      arrayFilters: arrayFilters as Doc[] | undefined,
      sort,
      letVars,
    }),
  );
  const lastErrorObject: Doc = { n: outcome.upsertedId !== undefined ? 1 : outcome.matched, updatedExisting: outcome.matched > 0 };
  if (outcome.upsertedId !== undefined) lastErrorObject['upserted'] = outcome.upsertedId;
  const value = returnNew ? outcome.after : outcome.upsertedId !== undefined ? undefined : outcome.before;
  return { lastErrorObject, value: project(value, fields, filter), ok: 1 };
}

/** findAndModify. */
export const findAndModifyCommands: Record<string, CommandSpec> = {
  findAndModify: {
    handler: findAndModify,
    fields: ['query', 'sort', 'remove', 'update', 'new', 'fields', 'upsert', 'bypassDocumentValidation', 'arrayFilters', 'collation', 'hint', 'let'],
    inTransaction: true,
  },
};
