/**
 * The durable record of a merge. It is written in the same transaction that
 * folds the secondary user into the primary and deletes the secondary, and
 * it drives the history move that follows: the move resumes from it after a
 * restart, and reads resolve the secondary's not yet moved messages through
 * it, so every message reads as it will once the move is done.
 */
import type { ObjectId } from 'mongodb';
import type { StoredUserRef } from '../messages/documents.ts';

/** Collection names. */
export const LIFECYCLE_COLLECTIONS = {
  merges: 'merges',
} as const;

/** Where a merge's history move stands. */
export const MERGE_STATES = { moving: 'moving', done: 'done' } as const;
export type MergeState = (typeof MERGE_STATES)[keyof typeof MERGE_STATES];

/** One merge, from the transaction that made it to the end of its history move. */
export interface MergeDocument {
  _id: ObjectId;
  /** The user merged away (deleted by the merge). */
  secondary: StoredUserRef;
  /** The user who stays. */
  primary: StoredUserRef;
  /** The merge's time (the service's clock). */
  mergedAt: Date;
  /** Messages and activities inserted at or after this move to the primary: mergedAt less 30 days. */
  cutoff: Date;
  state: MergeState;
  /** Counted in the same transaction as each batch moved, so a resumed move never counts twice. */
  messagesMoved: number;
  activitiesMoved: number;
  finishedAt?: Date;
}
