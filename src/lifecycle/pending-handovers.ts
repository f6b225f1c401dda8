/**
 * The histories that unfinished merges are handing to a user, read from the
 * merge records for the messages domain's listings (see PendingHandovers).
 */
import type { Collection } from 'mongodb';
import { timeoutOptions } from '../deadline.ts';
import type { PendingHandovers } from '../messages/user-references.ts';
import { MERGE_STATES, type MergeDocument } from './merge-documents.ts';

export function pendingHandovers(merges: Collection<MergeDocument>): PendingHandovers {
  return async (recipient) => {
    // `uid: null` also matches a primary recorded without one (a user from before incarnations).
    const moving = await merges
      .find(
        { state: MERGE_STATES.moving, 'primary.id': recipient.id, 'primary.uid': recipient.uid ?? null },
        { projection: { secondary: 1, cutoff: 1 }, ...timeoutOptions() },
      )
      .toArray();
    return moving.map((merge) => ({ from: merge.secondary, since: merge.cutoff }));
  };
}
