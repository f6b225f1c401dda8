/**
 * What test files use to reach the run's MongoDB (chosen once by
 * global-setup.ts): a client and a database of their own.
 *
 * @example
 * ```ts
 * import { describe, expect, it } from 'vitest';
 * import { useTestDatabase } from '../support/mongo.ts';
 *
 * // Top level of the test file: connects now, drops the database and closes
 * // the client after the file's last test.
 * const { client, db } = await useTestDatabase();
 *
 * describe('users store', () => {
 *   it('inserts', async () => {
 *     await db.collection('users').insertOne({ _id: 'u1' });
 *     expect(await db.collection('users').countDocuments()).toBe(1);
 *   });
 * });
 * ```
 *
 * The database name is unique to the file and the run, so files running in
 * parallel never collide; `client` can start sessions and transactions.
 */
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { MongoClient, type Db, type MongoClientOptions } from 'mongodb';
import { afterAll, expect, inject } from 'vitest';
import type { BackendName } from './choose-backend.ts';

export type { BackendName } from './choose-backend.ts';

/** The run's MongoDB, as global-setup.ts provided it. */
export interface MongoConnection {
  /** Connection string (a replica set, so transactions work). */
  readonly uri: string;
  /** `uri`, `container`, `embedded` or `emulator`. */
  readonly backend: BackendName;
}

/** A client and a database owned by one test file. */
export interface TestDatabase extends MongoConnection {
  readonly client: MongoClient;
  readonly db: Db;
  readonly dbName: string;
}

export interface TestDatabaseOptions {
  /** Readable part of the database name; defaults to the test file's name. */
  readonly label?: string;
  /** Extra options for the MongoClient (e.g. `monitorCommands: true`). */
  readonly clientOptions?: MongoClientOptions;
}

/** The URI and kind of the run's MongoDB, for tests that open more clients. */
export function mongoConnection(): MongoConnection {
  return { uri: inject('mongoUri'), backend: inject('mongoBackend') };
}

function databaseName(label: string | undefined): string {
  const testPath = expect.getState().testPath;
  const readable = (label ?? (testPath === undefined ? 'test' : basename(testPath).replace(/\.test\.ts$/, '')))
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .slice(0, 40);
  // MongoDB database names must be under 64 bytes.
  return `test_${readable}_${randomBytes(4).toString('hex')}`;
}

/**
 * Connects a new client and names a fresh database; the caller owns both and
 * calls `close()` (drops the database, closes the client). Prefer
 * {@link useTestDatabase}, which registers that for you.
 */
export async function openTestDatabase(
  options: TestDatabaseOptions = {},
): Promise<TestDatabase & { close(): Promise<void> }> {
  const connection = mongoConnection();
  const dbName = databaseName(options.label);
  const client = new MongoClient(connection.uri, { serverSelectionTimeoutMS: 10_000, ...options.clientOptions });
  await client.connect();
  const db = client.db(dbName);
  return {
    ...connection,
    client,
    db,
    dbName,
    close: async () => {
      try {
        await db.dropDatabase();
      } finally {
        await client.close();
      }
    },
  };
}

/**
 * {@link openTestDatabase} for the common case: call it (awaited) at the top
 * level of a test file; the database is dropped and the client closed after
 * the file's tests.
 */
export async function useTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const opened = await openTestDatabase(options);
  afterAll(() => opened.close());
  const { client, db, dbName, uri, backend } = opened;
  return { client, db, dbName, uri, backend };
}
