/**
 * Creates the collections and indexes that the domains declare. Each domain
 * says what it keeps (src/users/schema.ts, src/messages/schema.ts,
 * src/lifecycle/schema.ts) and src/schema.ts hands the whole list here, so
 * that db/ imports no domain.
 */
import type { Db, IndexDescription } from 'mongodb';
import { timeoutOptions } from '../deadline.ts';

/** One collection and the indexes it needs beyond `_id`. */
export interface CollectionSpec {
  readonly name: string;
  readonly indexes: readonly IndexDescription[];
}

/** MongoDB's code for "collection already exists". */
const NAMESPACE_EXISTS = 48;

/**
 * Creates every collection and declared index that does not exist yet;
 * createIndexes with an identical specification is a no-op, so this runs at
 * every start-up. Collections are created up front because creating one
 * implicitly inside a transaction is restricted on some deployments (sharded
 * clusters). Each operation is bounded by the current deadline (see
 * withTimeLimit), if any.
 */
export async function ensureCollections(db: Db, specs: readonly CollectionSpec[]): Promise<void> {
  // Collections apart from one another, so all at once: an index build can
  // take a second on some servers (DocumentDB), and there are several.
  await Promise.all(
    specs.map(async ({ name }) => {
      try {
        await db.createCollection(name, timeoutOptions());
      } catch (error) {
        if ((error as { code?: unknown }).code !== NAMESPACE_EXISTS) throw error;
      }
    }),
  );
  await Promise.all(
    specs
      .filter(({ indexes }) => indexes.length > 0)
      .map(({ name, indexes }) => db.collection(name).createIndexes([...indexes], timeoutOptions())),
  );
}
