/**
 * The databases and collections the server holds. Collections are created
 * implicitly by the first write, as in MongoDB, or explicitly by `create`.
 */
import { CommandError, ErrorCode } from '../errors.ts';
import { Collection } from './collection.ts';

/** Checks a collection name the way MongoDB does for user collections. */
export function assertValidCollectionName(db: string, name: unknown): asserts name is string {
  if (typeof name !== 'string') throw new CommandError(ErrorCode.InvalidNamespace, 'collection name has invalid type');
  if (name === '' || name.includes('$') || name.includes('\0') || name.startsWith('.') || name.startsWith('system.')) {
    throw new CommandError(ErrorCode.InvalidNamespace, `Invalid collection name: ${db}.${name}`);
  }
}

/** All databases: name → collection name → collection. */
export class Catalog {
  readonly databases = new Map<string, Map<string, Collection>>();

  get(db: string, name: string): Collection | undefined {
    return this.databases.get(db)?.get(name);
  }

  /** The collection, created if it does not exist yet. */
  getOrCreate(db: string, name: string): Collection {
    assertValidCollectionName(db, name);
    let collections = this.databases.get(db);
    if (collections === undefined) {
      collections = new Map();
      this.databases.set(db, collections);
    }
    let collection = collections.get(name);
    if (collection === undefined) {
      collection = new Collection(db, name);
      collections.set(name, collection);
    }
    return collection;
  }

  /** Collections of a database, in creation order (without those an open transaction created). */
  list(db: string): Collection[] {
    return [...(this.databases.get(db)?.values() ?? [])].filter((c) => c.createdBy === null);
  }

  /** Forgets a collection its creating transaction abandoned (if the name still means it). */
  forget(collection: Collection): void {
    if (this.get(collection.db, collection.name) === collection) this.drop(collection.db, collection.name);
  }

  drop(db: string, name: string): boolean {
    const collections = this.databases.get(db);
    const dropped = collections?.delete(name) ?? false;
    if (collections !== undefined && collections.size === 0) this.databases.delete(db);
    return dropped;
  }

  dropDatabase(db: string): void {
    this.databases.delete(db);
  }
}
