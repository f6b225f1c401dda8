/**
 * Runs one command document: finds the handler, rejects unknown fields,
 * resolves the session's transaction, runs the handler, and turns failures
 * into MongoDB error replies. An error inside a transaction aborts it, as
 * MongoDB does (including a write error such as a duplicate key).
 */
import { Long } from 'bson';
import { isPlainDoc, type Doc } from '../bson/bson-types.ts';
import { CommandError, ErrorCode, toCommandError } from '../errors.ts';
import type { ServerState } from '../server/server-state.ts';
import { clusterTimeDoc, decodeClusterTime } from '../txn/cluster-time.ts';
import type { Transaction } from '../txn/transaction.ts';
import { noSuchTransaction, TRANSACTION_LIFETIME_MS } from '../txn/session-registry.ts';
import { systemVariablesAt } from '../update/system-variables.ts';
import { adminCommands } from './admin-commands.ts';
import { aggregateCommands } from './aggregate.ts';
import { optionalNumber } from './command-args.ts';
import { resolveReadConcern, writeConcernError } from './concerns.ts';
import { GENERIC_FIELDS, type CommandSpec } from './command-context.ts';
import { collectionCommands } from './collection-commands.ts';
import { distinctCommands } from './distinct.ts';
import { findAndModifyCommands } from './find-and-modify.ts';
import { findCommands } from './find-commands.ts';
import { helloCommands } from './hello.ts';
import { indexCommands } from './index-commands.ts';
import { writeCommands } from './write-commands.ts';

const COMMANDS: ReadonlyMap<string, CommandSpec> = new Map(
  Object.entries({
    ...helloCommands,
    ...adminCommands,
    ...collectionCommands,
    ...indexCommands,
    ...findCommands,
    ...aggregateCommands,
    ...distinctCommands,
    ...writeCommands,
    ...findAndModifyCommands,
  }),
);

/** Names of the commands the emulator implements. */
export function supportedCommands(): string[] {
  return [...COMMANDS.keys()];
}

function checkFields(name: string, spec: CommandSpec, command: Doc): void {
  if (spec.fields === 'any') return;
  for (const field of Object.keys(command)) {
    if (field === name || GENERIC_FIELDS.has(field) || spec.fields.includes(field)) continue;
    throw new CommandError(ErrorCode.Location40415, `BSON field '${name}.${field}' is an unknown field.`);
  }
}

/**
 * Runs a command for a connection and returns the reply document, which
 * carries the cluster time as a replica-set member's replies do.
 */
export async function runCommand(server: ServerState, command: Doc, defaultDb: string, connectionId: number): Promise<Doc> {
  const reply = await runCommandBody(server, command, defaultDb, connectionId);
  reply['operationTime'] = decodeClusterTime(server.engine.clock);
  reply['$clusterTime'] = clusterTimeDoc(server.engine.clock);
  return reply;
}

async function runCommandBody(server: ServerState, command: Doc, defaultDb: string, connectionId: number): Promise<Doc> {
  const name = Object.keys(command)[0] ?? '';
  const spec = COMMANDS.get(name);
  if (spec === undefined) {
    return new CommandError(ErrorCode.CommandNotFound, `no such command: '${name}'`).toReply();
  }
  const db = typeof command['$db'] === 'string' ? command['$db'] : defaultDb;
  let txnForAbort: Transaction | undefined;
  try {
    checkFields(name, spec, command);
    const resolved = server.sessions.resolve(command);
    if (resolved.kind === 'committed') {
      if (name === 'commitTransaction') return { ok: 1 };
      throw new CommandError(ErrorCode.TransactionCommitted, `Transaction with { txnNumber: ${resolved.txn.txnNumber} } has been committed.`);
    }
    const txn = resolved.kind === 'active' ? resolved.txn : undefined;
    if (txn !== undefined) {
      txnForAbort = txn;
      if (Date.now() - txn.startedAt >= TRANSACTION_LIFETIME_MS) {
        server.sessions.abort(txn, 'Aborted because the transaction exceeded transactionLifetimeLimitSeconds.');
        throw noSuchTransaction(txn.txnNumber, txn.abortReason);
      }
      if (!spec.inTransaction) {
        throw new CommandError(ErrorCode.OperationNotSupportedInTransaction, `Cannot run '${name}' in a multi-document transaction.`);
      }
    } else if (name === 'commitTransaction' || name === 'abortTransaction') {
      throw new CommandError(ErrorCode.NoSuchTransaction, 'Given transaction number does not match any in-progress transactions.');
    }
    const maxTimeMS = optionalNumber(command, 'maxTimeMS');
    const { view, snapshotAt } = resolveReadConcern(server, name, command, txn);
    const reply = await spec.handler({
      server,
      db,
      command,
      view,
      txn,
      vars: systemVariablesAt(new Date(), decodeClusterTime(server.engine.clock)),
      deadline: maxTimeMS !== undefined && maxTimeMS > 0 ? Date.now() + maxTimeMS : undefined,
      connectionId,
    });
    if (txn !== undefined && Array.isArray(reply['writeErrors']) && reply['writeErrors'].length > 0) {
      server.sessions.abort(txn, 'a write in the transaction failed');
    }
    if (snapshotAt !== undefined) {
      const cursor = reply['cursor'];
      const atClusterTime = decodeClusterTime(snapshotAt);
      (isPlainDoc(cursor) ? cursor : reply)['atClusterTime'] = atClusterTime;
      const open = isPlainDoc(cursor) && cursor['id'] instanceof Long ? server.cursors.get(cursor['id']) : undefined;
      if (open !== undefined) open.atClusterTime = atClusterTime;
    }
    const concernError = writeConcernError(name, command);
    if (concernError !== undefined && reply['ok'] === 1) reply['writeConcernError'] = concernError;
    return reply;
  } catch (thrown) {
    const error = toCommandError(thrown);
    if (txnForAbort !== undefined) server.sessions.abort(txnForAbort, error.message);
    return error.toReply();
  }
}
