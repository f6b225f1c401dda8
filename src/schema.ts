/**
 * Every collection the service keeps, as each domain declares it, created
 * with its indexes at start-up.
 */
import type { Db } from 'mongodb';
import { ensureCollections, type CollectionSpec } from './db/indexes.ts';
import { LIFECYCLE_COLLECTIONS_SPECS } from './lifecycle/schema.ts';
import { MESSAGES_COLLECTIONS } from './messages/schema.ts';
import { USERS_COLLECTIONS } from './users/schema.ts';

export const ALL_COLLECTIONS: readonly CollectionSpec[] = [
  ...USERS_COLLECTIONS,
  ...MESSAGES_COLLECTIONS,
  ...LIFECYCLE_COLLECTIONS_SPECS,
];

/** Creates whatever collection or index is missing; idempotent. */
export function ensureSchema(db: Db): Promise<void> {
  return ensureCollections(db, ALL_COLLECTIONS);
}
