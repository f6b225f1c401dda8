/**
 * The shapes of the messages domain's documents in MongoDB. A message names
 * its recipient, and an activity its actor, by user id together with the
 * user's incarnation at the time (see newIncarnation), so that a user
 * deleted and identified again under the same id does not inherit them.
 */
import type { ObjectId } from 'mongodb';
import type { JsonObject } from '../users/model.ts';

/** Collection names. */
export const MESSAGE_COLLECTIONS = {
  messages: 'messages',
  activities: 'activities',
} as const;

/** A reference to a user as stored on a message or an activity. */
export interface StoredUserRef {
  /** The user id. */
  id: string;
  /** The user's incarnation when the reference was made; absent for users created before incarnations existed. */
  uid?: string;
}

/** An in-app message. */
export interface MessageDocument {
  _id: ObjectId;
  recipient: StoredUserRef;
  channelId: string;
  data: JsonObject;
  /** When the message was created (the service's clock): what a merge's 30 days are measured on. */
  insertedAt: Date;
  updatedAt: Date;
  seenAt?: Date;
  readAt?: Date;
  archivedAt?: Date;
  activityCount: number;
}

/** One activity of a message. */
export interface ActivityDocument {
  _id: ObjectId;
  messageId: ObjectId;
  /** Absent for an activity with no actor. */
  actor?: StoredUserRef;
  data: JsonObject;
  /** When the activity was recorded (the service's clock). */
  insertedAt: Date;
}
