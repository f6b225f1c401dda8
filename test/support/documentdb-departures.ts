/**
 * Where DocumentDB (../shared/documentdb: PostgreSQL plus a MongoDB-wire
 * gateway, version 0.108) departs from MongoDB's documented behaviour, each
 * recorded once, with the rule it breaks and what was measured. A test may
 * be skipped on DocumentDB only by naming one of these; the run prints each
 * skip and its reason. Everything else must pass there unchanged.
 */
import { it } from 'vitest';
import { mongoConnection } from './mongo.ts';

export const DOCUMENTDB_DEPARTURES = {
  UNKNOWN_COMMAND_CODE: {
    rule: 'An unknown command fails with code 59, CommandNotFound (MongoDB error codes reference).',
    seen: 'DocumentDB answers code 115 (CommandNotSupported).',
  },
  CREATE_INDEXES_REPLY: {
    rule: 'createIndexes replies with numIndexesBefore, numIndexesAfter and createdCollectionAutomatically (createIndexes command reference, "Output").',
    seen: 'DocumentDB replies with ok and a note, without these fields.',
  },
  DUPLICATE_KEY_DETAILS: {
    rule: 'A duplicate key error is code 11000 with the message "E11000 duplicate key error collection: ... index: ... dup key: ..." and keyPattern / keyValue naming the index fields and values (write errors of insert, update, findAndModify).',
    seen: 'DocumentDB sends 11000 with "Duplicate key violation on the requested collection: Index \'...\'" and no keyPattern or keyValue.',
  },
  NO_TRANSIENT_LABEL: {
    rule: 'A write conflict inside a transaction is code 112, WriteConflict, labelled TransientTransactionError, so that drivers (and withTransaction) run the transaction again (Transactions, "Transactions and Write Conflicts"; Drivers API, "Retry Transaction").',
    seen: 'DocumentDB reports 112 with PostgreSQL code names (SqlState(E55P03), lock timeout) or code 16777220 (PostgreSQL serialization_failure, SQLSTATE 40001), never with the label; withTransaction gives up at once. The service adds the label itself (src/db/transaction.ts).',
  },
  NO_SUCH_TRANSACTION: {
    rule: 'Once the server has aborted a transaction (e.g. after a write conflict), its next command fails with 251, NoSuchTransaction, labelled TransientTransactionError.',
    seen: 'DocumentDB runs the next command of the aborted transaction as if nothing had happened.',
  },
  ERRORS_MASKED_UNDER_TIME_LIMIT: {
    rule: 'A command that fails reports its own error (e.g. 40400 when $mergeObjects meets a string), whether or not it carries maxTimeMS; a transaction that keeps losing to a concurrent one fails only when its time runs out (DEADLINE_EXCEEDED here).',
    seen: 'Inside a transaction, a statement sent with maxTimeMS (the driver sends it whenever timeoutMS applies) that fails is reported as 33685826, "current transaction is aborted" (SQLSTATE 25P02), hiding its error. The service cannot tell a lasting error from a lost race there: it runs such a transaction again a bounded number of times, then answers ABORTED / WRITE_CONFLICT.',
  },
  NO_CLUSTER_TIME: {
    rule: 'Replica-set members and mongos return operationTime and $clusterTime in every command reply, and a causally consistent session uses them (afterClusterTime) to read its own writes (Causal Consistency; "operationTime" in the command reference).',
    seen: 'DocumentDB replies carry neither field, so a causally consistent session has no cluster time to send.',
  },
  DOLLAR_PREFIXED_ID: {
    rule: 'The _id field may not hold a document with $-prefixed field names; insert and upsert fail with 52, DollarPrefixedFieldName (Field Names, "Document Field Name Restrictions").',
    seen: 'DocumentDB stores such an _id.',
  },
  SNAPSHOT_OUTSIDE_TRANSACTIONS: {
    rule: 'Outside a transaction, read concern "snapshot" is taken only by find, aggregate and distinct (writes, count, listCollections and listIndexes fail with 72, InvalidOptions), which then read at one cluster time and report it as atClusterTime, getMore included (Read Concern "snapshot").',
    seen: 'DocumentDB accepts it everywhere, reports no atClusterTime, and a snapshot session sees later commits.',
  },
  WRITE_CONCERN_IGNORED: {
    rule: 'A write concern that cannot be satisfied (w greater than the number of data-bearing members) is reported as a writeConcernError with code 100, UnsatisfiableWriteConcern (Write Concern).',
    seen: 'DocumentDB applies the write and reports no write concern error.',
  },
  UPDATE_SORT_BEFORE_8: {
    rule: 'The sort option of updateOne / replaceOne exists from MongoDB 8.0; the 7.0 that DocumentDB reports in buildInfo refuses it (update command reference).',
    seen: 'DocumentDB reports version 7.0.0 and accepts sort in an update statement.',
  },
} as const;

/** The name of a recorded departure. */
export type DocumentdbDeparture = keyof typeof DOCUMENTDB_DEPARTURES;

type TestFn = () => void | Promise<void>;

/** A test declaration that is skipped on DocumentDB for a recorded departure. */
export interface DepartureAwareTest {
  (name: string, fn: TestFn, timeout?: number): void;
  /** Like `it.each`: one test per case. */
  each<T extends unknown[] | [unknown]>(cases: readonly T[]): (name: string, fn: (...args: T) => void | Promise<void>) => void;
}

function announce(departure: DocumentdbDeparture, name: string): string {
  const { rule, seen } = DOCUMENTDB_DEPARTURES[departure];
  console.log(`[documentdb] skipped "${name}": departure ${departure}. MongoDB: ${rule} DocumentDB: ${seen}`);
  return `${name} [skipped on DocumentDB: ${departure}]`;
}

/**
 * `it` (and `it.each`), except on DocumentDB, where the test is skipped for
 * the recorded `departure`: its name says so and the run prints the rule it
 * breaks.
 */
export function unlessDocumentdb(departure: DocumentdbDeparture): DepartureAwareTest {
  const onDocumentdb = mongoConnection().backend === 'documentdb';
  const test = (name: string, fn: TestFn, timeout?: number): void => {
    if (onDocumentdb) it.skip(announce(departure, name), fn, timeout);
    else it(name, fn, timeout);
  };
  test.each =
    <T extends unknown[] | [unknown]>(cases: readonly T[]) =>
    (name: string, fn: (...args: T) => void | Promise<void>): void => {
      if (onDocumentdb) it.skip.each(cases)(announce(departure, name), fn);
      else it.each(cases)(name, fn);
    };
  return test;
}
