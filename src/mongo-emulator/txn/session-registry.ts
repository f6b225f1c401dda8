/**
 * Logical sessions and their transactions, keyed by `lsid.id` and
 * `txnNumber`. Resolves which transaction (if any) a command runs in,
 * following MongoDB's rules: the first command carries `startTransaction:
 * true` and `autocommit: false`, later ones the same `txnNumber` and
 * `autocommit: false`. Commands with a `txnNumber` but no `autocommit` are
 * retryable writes; they run outside transactions and are not de-duplicated
 * (a retried write runs again; the emulator never loses a reply, so drivers
 * only retry after a network error they caused themselves).
 */
import type { Doc } from '../bson/bson-types.ts';
import { bsonTypeOf } from '../bson/bson-types.ts';
import { CommandError, ErrorCode, ErrorLabel } from '../errors.ts';
import { Transaction } from './transaction.ts';
import type { WriteEngine } from './write-engine.ts';

/** MongoDB's default `transactionLifetimeLimitSeconds`. */
export const TRANSACTION_LIFETIME_MS = 60_000;

interface SessionState {
  txnNumber: number;
  txn: Transaction | undefined;
}

/** The key of a session: the hex of its `lsid.id` UUID. */
export function sessionKeyOf(command: Doc): string | undefined {
  const lsid = command['lsid'];
  if (typeof lsid !== 'object' || lsid === null) return undefined;
  const id = (lsid as Doc)['id'];
  if (bsonTypeOf(id) !== 'Binary') return undefined;
  return Buffer.from((id as { buffer: Uint8Array }).buffer).toString('hex');
}

function txnNumberOf(command: Doc): number | undefined {
  const value = command['txnNumber'];
  if (value === undefined) return undefined;
  return Number(typeof value === 'object' && value !== null ? String(value) : value);
}

/** 251 NoSuchTransaction, which drivers treat as transient. */
export function noSuchTransaction(txnNumber: number, detail = ''): CommandError {
  return new CommandError(
    ErrorCode.NoSuchTransaction,
    `Transaction with { txnNumber: ${txnNumber} } has been aborted.${detail === '' ? '' : ` ${detail}`}`,
    { labels: [ErrorLabel.TransientTransactionError] },
  );
}

/** How a command relates to a transaction. */
export type TransactionContext =
  | { readonly kind: 'none' }
  | { readonly kind: 'active'; readonly txn: Transaction }
  | { readonly kind: 'committed'; readonly txn: Transaction };

/** All sessions the server knows. */
export class SessionRegistry {
  readonly #sessions = new Map<string, SessionState>();
  readonly #engine: WriteEngine;

  constructor(engine: WriteEngine) {
    this.#engine = engine;
  }

  /** Resolves (and for `startTransaction` creates) the command's transaction. */
  resolve(command: Doc): TransactionContext {
    const sessionKey = sessionKeyOf(command);
    const txnNumber = txnNumberOf(command);
    if (sessionKey === undefined || txnNumber === undefined) return { kind: 'none' };
    let session = this.#sessions.get(sessionKey);
    if (session === undefined) {
      session = { txnNumber, txn: undefined };
      this.#sessions.set(sessionKey, session);
    }
    if (command['autocommit'] === undefined) {
      // A retryable write: a newer txnNumber ends any older transaction.
      if (txnNumber > session.txnNumber) this.#supersede(session, txnNumber);
      return { kind: 'none' };
    }
    if (command['autocommit'] !== false) {
      throw new CommandError(ErrorCode.InvalidOptions, 'autocommit must be false when given');
    }
    if (command['startTransaction'] === true) {
      if (txnNumber < session.txnNumber || (txnNumber === session.txnNumber && session.txn !== undefined)) {
        throw new CommandError(
          ErrorCode.TransactionTooOld,
          `Cannot start transaction ${txnNumber} on session because a newer transaction ${session.txnNumber} has already started`,
        );
      }
      this.#supersede(session, txnNumber);
      const txn = new Transaction(sessionKey, txnNumber, this.#engine.clock);
      this.#engine.open(txn);
      session.txn = txn;
      return { kind: 'active', txn };
    }
    const txn = session.txn;
    if (txnNumber !== session.txnNumber || txn === undefined) throw noSuchTransaction(txnNumber);
    if (txn.state === 'committed') return { kind: 'committed', txn };
    if (txn.state === 'aborted') throw noSuchTransaction(txnNumber, txn.abortReason);
    return { kind: 'active', txn };
  }

  /**
   * The still-open transaction a command ran in, if any. Unlike `resolve`
   * it changes nothing: it is for looking back at a command already run.
   */
  activeTransactionOf(command: Doc): Transaction | undefined {
    const sessionKey = sessionKeyOf(command);
    const txnNumber = txnNumberOf(command);
    if (sessionKey === undefined || txnNumber === undefined || command['autocommit'] === undefined) return undefined;
    const txn = this.#sessions.get(sessionKey)?.txn;
    return txn !== undefined && txn.txnNumber === txnNumber && txn.state === 'active' ? txn : undefined;
  }

  #supersede(session: SessionState, txnNumber: number): void {
    if (session.txn !== undefined && session.txn.state === 'active') this.abort(session.txn, 'superseded by a newer txnNumber');
    session.txnNumber = txnNumber;
    session.txn = undefined;
  }

  /** Aborts a transaction, remembering why. */
  abort(txn: Transaction, reason: string): void {
    if (txn.state !== 'active') return;
    txn.abortReason = reason;
    this.#engine.end(txn, 'aborted');
  }

  /** `endSessions`: aborts their transactions and forgets them. */
  endSessions(keys: readonly string[]): void {
    for (const key of keys) {
      const txn = this.#sessions.get(key)?.txn;
      if (txn !== undefined) this.abort(txn, 'session ended');
      this.#sessions.delete(key);
    }
  }

  /** Aborts transactions older than the lifetime limit; returns how many. */
  expire(now = Date.now()): number {
    let aborted = 0;
    for (const txn of this.#engine.openTransactions()) {
      if (now - txn.startedAt >= TRANSACTION_LIFETIME_MS) {
        this.abort(txn, 'Aborted because the transaction exceeded transactionLifetimeLimitSeconds.');
        aborted++;
      }
    }
    return aborted;
  }

  /** Aborts every open transaction (server shutdown). */
  abortAll(): void {
    for (const txn of this.#engine.openTransactions()) this.abort(txn, 'server shutting down');
  }
}
