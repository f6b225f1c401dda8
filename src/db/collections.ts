/**
 * Typed handles on the collections the users domain keeps.
 */
import { randomBytes } from 'node:crypto';
import type { Collection, Db, MongoClient } from 'mongodb';
import {
  COLLECTIONS,
  type ChannelDataDocument,
  type PreferenceSetDocument,
  type UserDocument,
} from '../users/documents.ts';

/** The client (for sessions) and the collections of one database. */
export interface UsersDatabase {
  readonly client: MongoClient;
  readonly users: Collection<UserDocument>;
  readonly channelData: Collection<ChannelDataDocument>;
  readonly preferenceSets: Collection<PreferenceSetDocument>;
}

/** Opens the typed collections of `db`. */
export function usersDatabase(client: MongoClient, db: Db): UsersDatabase {
  return {
    client,
    users: db.collection<UserDocument>(COLLECTIONS.users),
    channelData: db.collection<ChannelDataDocument>(COLLECTIONS.channelData),
    preferenceSets: db.collection<PreferenceSetDocument>(COLLECTIONS.preferenceSets),
  };
}

/**
 * A fresh opaque version token. Random rather than a counter so that a user
 * deleted and created again never repeats a version a caller still holds.
 */
export function newVersion(): string {
  return randomBytes(9).toString('base64url');
}
