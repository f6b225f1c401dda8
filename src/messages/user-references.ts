/**
 * How the messages domain learns who its stored user references name now.
 * Messages keep user ids (with the incarnation); whether such a user still
 * exists, or was merged into another, is decided when a message is read, by
 * the resolver the application hands in (src/lifecycle/user-resolver.ts).
 * Resolving at read time keeps DeleteUser bounded: it never has to touch a
 * user's history, however long.
 */
import type { UserRecord } from '../users/model.ts';
import type { StoredUserRef } from './documents.ts';

/** A stored reference and the time that decides which merges apply to it. */
export interface ReferenceToResolve {
  readonly ref: StoredUserRef;
  /** The insertion time of the message (for its recipient) or of the activity (for its actor). */
  readonly insertedAt: Date;
}

/** Who a reference names now. */
export type ResolvedUser =
  | { readonly kind: 'user'; readonly user: UserRecord }
  | { readonly kind: 'missing'; readonly id: string };

/** Resolves references, answering in the same order. */
export type ResolveUserReferences = (references: readonly ReferenceToResolve[]) => Promise<ResolvedUser[]>;

/**
 * Histories being handed to a user by merges whose move is not finished:
 * each secondary's references from `since` on. ListMessages lists them with
 * the user's own, so that a feed reads as it will once the move is done.
 */
export type PendingHandovers = (
  recipient: StoredUserRef,
) => Promise<readonly { readonly from: StoredUserRef; readonly since: Date }[]>;
