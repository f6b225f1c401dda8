/**
 * MergeUsers: the fold (one transaction over users, channel data,
 * preference sets and the merge record), then the history move, awaited
 * while the call's deadline allows. A move still running when the call must
 * answer goes on in the server; the answer says so and gives the counts so
 * far.
 */
import type { Collection } from 'mongodb';
import { remainingTimeoutMS, timeoutOptions } from '../deadline.ts';
import type { MergeUsersRequest } from '../gen/herald/users/v1/users_service.js';
import type { UserRecord } from '../users/model.ts';
import type { HistoryMover } from './history-mover.ts';
import type { MergeDocument } from './merge-documents.ts';
import { validateMergeUsers } from './merge-validation.ts';
import { foldUsers, type FoldDatabases, type UserSize } from './user-fold.ts';

/** The most conflicting paths a reply lists, and the most bytes of them. */
export const MAX_CONFLICTS_LISTED = 1000;
export const MAX_CONFLICT_BYTES = 64 * 1024;

/**
 * The conflicts a reply lists, in order, within both bounds, and how many
 * are left out: paths repeat their keys (up to 256 characters, 8 levels
 * deep), so thousands of them could otherwise outgrow any reply.
 */
export function listConflicts(conflicts: readonly string[]): { listed: string[]; omitted: number } {
  const listed: string[] = [];
  let bytes = 0;
  for (const path of conflicts) {
    bytes += Buffer.byteLength(path, 'utf8') + 3;
    if (listed.length === MAX_CONFLICTS_LISTED || bytes > MAX_CONFLICT_BYTES) break;
    listed.push(path);
  }
  return { listed, omitted: conflicts.length - listed.length };
}

/** What MergeUsers answers. */
export interface MergeResult {
  readonly user: UserRecord;
  readonly conflicts: readonly string[];
  readonly conflictsOmitted: number;
  readonly channelIdsAdded: readonly string[];
  readonly preferenceSetIdsAdded: readonly string[];
  readonly messagesMoved: number;
  readonly activitiesMoved: number;
  readonly historyComplete: boolean;
}

/** Time kept back from the call's deadline to read the counts and answer. */
const ANSWER_MARGIN_MS = 250;

export class MergeService {
  constructor(
    private readonly db: FoldDatabases,
    private readonly mover: HistoryMover,
    private readonly clock: () => Date,
    private readonly userSize: UserSize,
  ) {}

  async mergeUsers(request: MergeUsersRequest): Promise<MergeResult> {
    const command = validateMergeUsers(request);
    const fold = await foldUsers(this.db, command, this.clock(), this.userSize);
    const { listed, omitted } = listConflicts(fold.conflicts);
    const base = {
      user: fold.user,
      conflicts: listed,
      conflictsOmitted: omitted,
      channelIdsAdded: fold.channelIdsAdded,
      preferenceSetIdsAdded: fold.preferenceSetIdsAdded,
    };
    if (fold.merge === undefined) {
      return {
        ...base,
        messagesMoved: fold.movable?.messages ?? 0,
        activitiesMoved: fold.movable?.activities ?? 0,
        historyComplete: true,
      };
    }
    const done = await this.waitForMove(fold.merge);
    const record = done ?? (await this.currentRecord(this.db.merges, fold.merge));
    return {
      ...base,
      messagesMoved: record.messagesMoved,
      activitiesMoved: record.activitiesMoved,
      historyComplete: done !== undefined,
    };
  }

  /** The finished record, or undefined when the call's time runs out first. */
  private async waitForMove(merge: MergeDocument): Promise<MergeDocument | undefined> {
    const moving = this.mover.move(merge._id);
    const left = remainingTimeoutMS();
    if (left === undefined) return moving;
    let timer: NodeJS.Timeout | undefined;
    const timeUp = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), Math.max(0, left - ANSWER_MARGIN_MS));
    });
    try {
      return await Promise.race([moving.catch(() => undefined), timeUp]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async currentRecord(merges: Collection<MergeDocument>, merge: MergeDocument): Promise<MergeDocument> {
    return (await merges.findOne({ _id: merge._id }, timeoutOptions())) ?? merge;
  }
}
