/**
 * Typed handles on the collections the messages domain keeps.
 */
import type { Collection, Db, MongoClient } from 'mongodb';
import { MESSAGE_COLLECTIONS, type ActivityDocument, type MessageDocument } from './documents.ts';

/** The client (for sessions) and the collections of one database. */
export interface MessagesDatabase {
  readonly client: MongoClient;
  readonly messages: Collection<MessageDocument>;
  readonly activities: Collection<ActivityDocument>;
}

/** Opens the typed collections of `db`. */
export function messagesDatabase(client: MongoClient, db: Db): MessagesDatabase {
  return {
    client,
    messages: db.collection<MessageDocument>(MESSAGE_COLLECTIONS.messages),
    activities: db.collection<ActivityDocument>(MESSAGE_COLLECTIONS.activities),
  };
}
