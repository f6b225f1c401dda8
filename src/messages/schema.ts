/**
 * The collections the messages domain keeps, with their indexes.
 */
import type { CollectionSpec } from '../db/indexes.ts';
import { MESSAGE_COLLECTIONS } from './documents.ts';

export const MESSAGES_COLLECTIONS: readonly CollectionSpec[] = [
  {
    name: MESSAGE_COLLECTIONS.messages,
    indexes: [
      // A recipient's messages newest first (ListMessages), and a merge's
      // move of the last 30 days (recipient.id with insertedAt ≥ cutoff).
      { key: { 'recipient.id': 1, insertedAt: -1, _id: -1 }, name: 'recipient_newest' },
    ],
  },
  {
    name: MESSAGE_COLLECTIONS.activities,
    indexes: [
      // A message's activities oldest first (ListActivities).
      { key: { messageId: 1, insertedAt: 1, _id: 1 }, name: 'message_oldest' },
      // A merge's move of an actor's last 30 days.
      { key: { 'actor.id': 1, insertedAt: -1 }, name: 'actor_newest', partialFilterExpression: { 'actor.id': { $exists: true } } },
    ],
  },
];
