/**
 * The collections the users domain keeps, with their indexes.
 */
import type { CollectionSpec } from '../db/indexes.ts';
import { COLLECTIONS } from './documents.ts';

export const USERS_COLLECTIONS: readonly CollectionSpec[] = [
  // Users need no index beyond `_id`, the caller's user id.
  { name: COLLECTIONS.users, indexes: [] },
  {
    name: COLLECTIONS.channelData,
    // One record per (user, channel); the user prefix serves delete and list.
    indexes: [{ key: { userId: 1, channelId: 1 }, name: 'user_channel', unique: true }],
  },
  {
    name: COLLECTIONS.preferenceSets,
    // One record per (user, set); the user prefix serves delete and list.
    indexes: [{ key: { userId: 1, setId: 1 }, name: 'user_set', unique: true }],
  },
];
