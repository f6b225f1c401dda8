/**
 * Runs emulator commands in-process (no socket) for unit tests: a fresh
 * server state, a helper to send commands, and session fields for
 * transactions.
 */
import { Long, UUID } from 'bson';
import { runCommand } from '../../../src/mongo-emulator/commands/dispatcher.ts';
import { ServerState } from '../../../src/mongo-emulator/server/server-state.ts';

export type Doc = Record<string, unknown>;

export function newServer(): ServerState {
  return new ServerState({ host: '127.0.0.1', port: 27017, replicaSetName: 'rs0' });
}

/** Sends a command to database `db` (default `t`). */
export function run(server: ServerState, command: Doc, db = 't'): Promise<Doc> {
  return runCommand(server, { ...command, $db: db }, 'admin', 1);
}

/** A client session: `start()` gives fields for a transaction's first command, `next()` for later ones. */
export function session(): { start(): Doc; next(): Doc; txnNumber: number } {
  const lsid = { id: new UUID() };
  const state = { txnNumber: 0 };
  return {
    get txnNumber() {
      return state.txnNumber;
    },
    start() {
      state.txnNumber++;
      return { lsid, txnNumber: Long.fromNumber(state.txnNumber), startTransaction: true, autocommit: false };
    },
    next() {
      return { lsid, txnNumber: Long.fromNumber(state.txnNumber), autocommit: false };
    },
  };
}

/** The first batch of a find. */
export async function findAll(server: ServerState, collection: string, filter: Doc = {}, extra: Doc = {}): Promise<Doc[]> {
  const reply = await run(server, { find: collection, filter, ...extra });
  if (reply['ok'] !== 1) throw new Error(JSON.stringify(reply));
  return (reply['cursor'] as Doc)['firstBatch'] as Doc[];
}
