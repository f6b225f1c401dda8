/**
 * The domain types of the messages domain, between the service and the
 * stores: the commands validation produces and the records the stores
 * return. Nothing here knows gRPC; the record mappers read the stored
 * documents so that no other file has to.
 */
import type { JsonObject } from '../users/model.ts';
import type { ActivityDocument, MessageDocument, StoredUserRef } from './documents.ts';
import type { ResolvedUser } from './user-references.ts';

/** An activity as CreateMessage and AddActivity take it, checked. */
export interface ActivityInput {
  /** Absent for an activity with no actor. */
  readonly actorId?: string;
  readonly data: JsonObject;
}

/** A checked CreateMessage. */
export interface CreateMessageCommand {
  readonly recipientId: string;
  readonly channelId: string;
  readonly data: JsonObject;
  readonly activities: readonly ActivityInput[];
}

/** A checked AddActivity. */
export interface AddActivityCommand {
  readonly messageId: string;
  readonly activity: ActivityInput;
}

/** Where a newest-first or oldest-first listing resumes: after this (time, id). */
export interface ListPosition {
  readonly at: Date;
  readonly id: string;
}

/** The filters of ListMessages; an absent one does not filter. */
export interface MessageFilters {
  readonly channelId?: string;
  readonly seen?: boolean;
  readonly read?: boolean;
  readonly archived?: boolean;
}

/** A checked ListMessages. */
export interface ListMessagesQuery {
  readonly recipientId: string;
  readonly filters: MessageFilters;
  readonly pageSize: number;
  readonly after?: ListPosition;
}

/** A checked ListActivities. */
export interface ListActivitiesQuery {
  readonly messageId: string;
  readonly pageSize: number;
  readonly after?: ListPosition;
}

/** The message states MarkMessages sets and clears, by their stored field. */
export const MESSAGE_STATES = { seen: 'seenAt', read: 'readAt', archived: 'archivedAt' } as const;
export type MessageState = keyof typeof MESSAGE_STATES;

/** One MarkMessages change: a state set (its time kept when already set) or cleared. */
export interface StateChange {
  readonly state: MessageState;
  readonly set: boolean;
}

/** A checked MarkMessages. */
export interface MarkMessagesCommand {
  readonly messageIds: readonly string[];
  readonly change: StateChange;
}

/** A stored message. */
export interface MessageRecord {
  id: string;
  recipient: StoredUserRef;
  channelId: string;
  data: JsonObject;
  insertedAt: Date;
  updatedAt: Date;
  seenAt?: Date;
  readAt?: Date;
  archivedAt?: Date;
  activityCount: number;
}

/** A stored activity. */
export interface ActivityRecord {
  id: string;
  messageId: string;
  actor?: StoredUserRef;
  data: JsonObject;
  insertedAt: Date;
}

/** A message with its recipient as they are now: what a reply carries. */
export interface MessageView {
  readonly message: MessageRecord;
  readonly recipient: ResolvedUser;
}

/** An activity with its actor as they are now (absent when it has none). */
export interface ActivityView {
  readonly activity: ActivityRecord;
  readonly actor?: ResolvedUser;
}

/** A user reference as stored, without an absent incarnation written as undefined. */
export function storedRef(id: string, uid: string | undefined): StoredUserRef {
  return uid === undefined ? { id } : { id, uid };
}

/** A stored message as the domain sees it. */
export function toMessageRecord(doc: MessageDocument): MessageRecord {
  return {
    id: doc._id.toHexString(),
    recipient: storedRef(doc.recipient.id, doc.recipient.uid),
    channelId: doc.channelId,
    data: doc.data,
    insertedAt: doc.insertedAt,
    updatedAt: doc.updatedAt,
    ...(doc.seenAt === undefined ? {} : { seenAt: doc.seenAt }),
    ...(doc.readAt === undefined ? {} : { readAt: doc.readAt }),
    ...(doc.archivedAt === undefined ? {} : { archivedAt: doc.archivedAt }),
    activityCount: doc.activityCount,
  };
}

/** A stored activity as the domain sees it. */
export function toActivityRecord(doc: ActivityDocument): ActivityRecord {
  return {
    id: doc._id.toHexString(),
    messageId: doc.messageId.toHexString(),
    ...(doc.actor === undefined ? {} : { actor: storedRef(doc.actor.id, doc.actor.uid) }),
    data: doc.data,
    insertedAt: doc.insertedAt,
  };
}
