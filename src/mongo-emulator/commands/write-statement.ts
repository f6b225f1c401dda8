/**
 * Runs one write statement: compute its changes against the command's view,
 * then commit them (outside a transaction) or stage them (inside one). A
 * statement outside a transaction that touches a document or unique key held
 * by an open transaction waits for that transaction to end and runs again,
 * bounded by `maxTimeMS` (50 MaxTimeMSExpired).
 */
import type { Doc } from '../bson/bson-types.ts';
import { canonicalKey } from '../bson/canonical-key.ts';
import { CommandError, ErrorCode } from '../errors.ts';
import type { Collection, LockOwner } from '../storage/collection.ts';
import { duplicateKeyError } from '../storage/unique-index.ts';
import { BlockedByTransaction, type Change } from '../txn/write-engine.ts';
import type { ReadView } from '../txn/read-view.ts';
import type { CommandContext } from './command-context.ts';

/** A statement's changes and what it reports. */
export interface PlannedStatement<T> {
  readonly changes: readonly Change[];
  readonly result: T;
}

/** Waits for `owner` (an open transaction) to end; 50 MaxTimeMSExpired past `deadline`. */
export async function waitForEnd(owner: LockOwner, deadline: number | undefined): Promise<void> {
  if (deadline === undefined) return owner.ended;
  const remaining = deadline - Date.now();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CommandError(ErrorCode.MaxTimeMSExpired, 'operation exceeded time limit')), Math.max(0, remaining));
  });
  try {
    await Promise.race([owner.ended, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Plans and applies a statement, waiting out transactions that hold its documents. */
export async function runStatement<T>(ctx: CommandContext, plan: () => PlannedStatement<T>): Promise<T> {
  for (;;) {
    const { changes, result } = plan();
    try {
      if (ctx.txn !== undefined) ctx.server.engine.stage(ctx.txn, changes);
      else ctx.server.engine.applyNow(changes);
      return result;
    } catch (error) {
      if (!(error instanceof BlockedByTransaction)) throw error;
      await waitForEnd(error.owner, ctx.deadline);
    }
  }
}

/** The change inserting `doc` (already finalized), or E11000 on the `_id_` index. */
export function insertChange(view: ReadView, collection: Collection, doc: Doc): Change {
  const idKey = canonicalKey(doc['_id']);
  if (view.get(collection, idKey) !== undefined) {
    const idIndex = collection.indexes.get('_id_');
    if (idIndex !== undefined) throw duplicateKeyError(collection.namespace, idIndex, { key: idKey, values: [doc['_id']] });
  }
  return { collection, idKey, after: doc };
}

/**
 * The collection a write goes to, created if it does not exist. Created by
 * a transaction, it stays out of other clients' catalogue until the
 * transaction commits, and goes if it aborts, as in MongoDB.
 */
export function collectionForWrite(ctx: CommandContext, name: string): Collection {
  const existing = ctx.server.catalog.get(ctx.db, name);
  if (existing !== undefined) return existing;
  const created = ctx.server.catalog.getOrCreate(ctx.db, name);
  if (ctx.txn !== undefined) {
    created.createdBy = ctx.txn;
    ctx.txn.createdCollections.push(created);
  }
  return created;
}

/** Errors that fail the whole command rather than one statement. */
export function isCommandLevel(error: CommandError): boolean {
  return error.code === ErrorCode.WriteConflict || error.code === ErrorCode.NoSuchTransaction || error.code === ErrorCode.MaxTimeMSExpired;
}
