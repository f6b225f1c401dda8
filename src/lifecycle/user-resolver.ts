/**
 * Resolves the user references stored on messages and activities to the
 * users they name now: the user when that incarnation still exists; the
 * user it was merged into when a merge took it and the reference falls in
 * the merge's 30 days (whether or not the history move has reached it yet);
 * else the MissingUser marker. One query for the users, and one per merge
 * hop (a user merged into one later merged again) for what is left.
 */
import type { Collection, Filter } from 'mongodb';
import { timeoutOptions } from '../deadline.ts';
import type { StoredUserRef } from '../messages/documents.ts';
import type { ReferenceToResolve, ResolvedUser } from '../messages/user-references.ts';
import { toUserRecord, type UserDocument } from '../users/documents.ts';
import type { UserRecord } from '../users/model.ts';
import type { MergeDocument } from './merge-documents.ts';

/** Merges followed for one reference at the most; a longer chain reads as missing. */
export const MAX_MERGE_HOPS = 8;

/** Whether `user` is the incarnation `ref` names (by id alone for references made before incarnations). */
function sameIncarnation(user: UserRecord, ref: StoredUserRef): boolean {
  return user.uid === ref.uid;
}

function refKey(ref: StoredUserRef): string {
  return JSON.stringify([ref.id, ref.uid ?? null]);
}

export class UserResolver {
  constructor(
    private readonly users: Collection<UserDocument>,
    private readonly merges: Collection<MergeDocument>,
  ) {}

  /** Who each reference names now, in the order given. */
  resolve = async (references: readonly ReferenceToResolve[]): Promise<ResolvedUser[]> => {
    const current = references.map((r) => r.ref);
    const results: (ResolvedUser | undefined)[] = references.map(() => undefined);
    for (let hop = 0; hop <= MAX_MERGE_HOPS; hop += 1) {
      const pending = results.flatMap((result, i) => (result === undefined ? [i] : []));
      if (pending.length === 0) break;
      const users = await this.loadUsers(pending.map((i) => current[i]!.id));
      const unresolved: number[] = [];
      for (const i of pending) {
        const ref = current[i]!;
        const user = users.get(ref.id);
        if (user !== undefined && sameIncarnation(user, ref)) results[i] = { kind: 'user', user };
        else unresolved.push(i);
      }
      if (unresolved.length === 0 || hop === MAX_MERGE_HOPS) {
        for (const i of unresolved) results[i] = { kind: 'missing', id: current[i]!.id };
        break;
      }
      const merges = await this.loadMerges(unresolved.map((i) => current[i]!));
      for (const i of unresolved) {
        const merge = merges.get(refKey(current[i]!));
        if (merge !== undefined && references[i]!.insertedAt.getTime() >= merge.cutoff.getTime()) current[i] = merge.primary;
        else results[i] = { kind: 'missing', id: current[i]!.id };
      }
    }
    return results.map((result, i) => result ?? { kind: 'missing', id: current[i]!.id });
  };

  private async loadUsers(ids: readonly string[]): Promise<Map<string, UserRecord>> {
    const docs = await this.users.find({ _id: { $in: [...new Set(ids)] } }, timeoutOptions()).toArray();
    return new Map(docs.map((doc) => [doc._id, toUserRecord(doc)]));
  }

  /** The merge that took each reference's incarnation, if any (a user incarnation is merged away at most once). */
  private async loadMerges(refs: readonly StoredUserRef[]): Promise<Map<string, MergeDocument>> {
    const unique = new Map(refs.map((ref) => [refKey(ref), ref]));
    // `uid: null` also matches a merge record without one: a user from before incarnations.
    const filter: Filter<MergeDocument> = {
      $or: [...unique.values()].map((ref) => ({ 'secondary.id': ref.id, 'secondary.uid': ref.uid ?? null })),
    };
    const docs = await this.merges.find(filter, timeoutOptions()).toArray();
    return new Map(docs.map((doc) => [refKey(doc.secondary), doc]));
  }
}
