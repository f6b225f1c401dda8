/**
 * What a command handler receives and returns, and the table entry that
 * describes a command (its handler, the fields it accepts, whether it may
 * run inside a transaction).
 */
import type { Doc } from '../bson/bson-types.ts';
import type { ServerState } from '../server/server-state.ts';
import type { ReadView } from '../txn/read-view.ts';
import type { Transaction } from '../txn/transaction.ts';
import type { SystemVariables } from '../update/system-variables.ts';

/** One command being run. */
export interface CommandContext {
  readonly server: ServerState;
  readonly db: string;
  readonly command: Doc;
  readonly view: ReadView;
  readonly txn: Transaction | undefined;
  readonly vars: SystemVariables;
  /** Absolute time (ms) after which waiting fails with MaxTimeMSExpired. */
  readonly deadline: number | undefined;
  readonly connectionId: number;
}

/** A command implementation. */
export type CommandHandler = (ctx: CommandContext) => Doc | Promise<Doc>;

/** A command's entry in the dispatch table. */
export interface CommandSpec {
  readonly handler: CommandHandler;
  /**
   * Fields this command accepts besides its own name and the generic ones;
   * `'any'` for handshake commands, whose fields grow with each driver.
   */
  readonly fields: readonly string[] | 'any';
  /** Whether the command may run inside a multi-document transaction. */
  readonly inTransaction: boolean;
}

/** Fields any command may carry (sessions, concerns, API versioning, ...). */
export const GENERIC_FIELDS: ReadonlySet<string> = new Set([
  '$db', 'lsid', 'txnNumber', 'autocommit', 'startTransaction', 'readConcern', 'writeConcern',
  '$readPreference', '$clusterTime', 'maxTimeMS', 'comment', 'apiVersion', 'apiStrict',
  'apiDeprecationErrors', '$audit', '$client', 'mayBypassWriteBlocking',
]);
