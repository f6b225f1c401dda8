/**
 * An embedded MongoDB for `npm start` on a machine with none configured: a
 * single-node replica set (transactions need one) started by
 * mongodb-memory-server, keeping its data under the project folder so that
 * users survive a restart.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { MongoMemoryReplSet } from 'mongodb-memory-server-core';

/** A started embedded replica set. */
export interface EmbeddedMongo {
  readonly uri: string;
  stop(): Promise<void>;
}

/** The cause in one line: download errors span several lines. */
function reasonOf(cause: unknown): string {
  const text = cause instanceof Error ? cause.message : String(cause);
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= 300 ? line : `${line.slice(0, 299)}…`;
}

/** Raised when no mongod binary can be found or downloaded. */
export class EmbeddedMongoUnavailable extends Error {
  constructor(cause: unknown) {
    super(
      [
        'No MongoDB is configured and no embedded mongod could be started.',
        `Reason: ${reasonOf(cause)}`,
        'Ways out:',
        '  - point the service at a MongoDB replica set: MONGODB_URI="mongodb://host:27017/?replicaSet=rs0" npm start',
        '  - run one with Docker (see the README): docker run -d --name users-mongo -p 27017:27017 mongo:8 --replSet rs0 --bind_ip_all',
        "    then docker exec users-mongo mongosh --quiet --eval 'rs.initiate()'",
        '    and MONGODB_URI="mongodb://127.0.0.1:27017/?replicaSet=rs0&directConnection=true" npm start',
        '  - use a local mongod binary: MONGOMS_SYSTEM_BINARY=/path/to/mongod npm start',
        '  - no MongoDB at all (nothing is kept): npm run start:emulated',
      ].join('\n'),
    );
    this.name = 'EmbeddedMongoUnavailable';
  }
}

/** Starts the embedded replica set with its data in `dataDir`. */
export async function startEmbeddedMongo(dataDir: string): Promise<EmbeddedMongo> {
  const dbPath = resolve(dataDir);
  mkdirSync(dbPath, { recursive: true });
  let replSet: MongoMemoryReplSet;
  try {
    replSet = await MongoMemoryReplSet.create({
      replSet: { count: 1, name: 'rs0', storageEngine: 'wiredTiger' },
      // A dbPath we give is never deleted on stop: the data stays.
      instanceOpts: [{ dbPath, storageEngine: 'wiredTiger' }],
    });
  } catch (error) {
    throw new EmbeddedMongoUnavailable(error);
  }
  return {
    uri: replSet.getUri(),
    stop: async () => {
      await replSet.stop({ doCleanup: false });
    },
  };
}
