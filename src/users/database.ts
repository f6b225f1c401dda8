/**
 * Typed handles on the collections the users domain keeps.
 */
import type { Collection, Db, MongoClient } from 'mongodb';
import {
  COLLECTIONS,
  type ChannelDataDocument,
  type PreferenceSetDocument,
  type UserDocument,
} from './documents.ts';

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
