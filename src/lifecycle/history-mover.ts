/**
 * The second half of a merge: handing the secondary's recent messages (as
 * recipient) and activities (as actor) to the primary. A history can be far
 * larger than one transaction should hold, so the move runs in batches, each
 * one transaction that also counts what it moved in the merge record: a
 * batch is moved and counted whole or not at all. The record stays
 * `moving` until nothing is left, so a move cut short by a crash or a
 * shutdown resumes from it at the next start, and moves nothing twice.
 *
 * A move runs detached from the call that started it: the call may end
 * (its deadline) while the move goes on.
 */
import type { ClientSession, Collection, MongoClient, ObjectId } from 'mongodb';
import type { Logger } from 'pino';
import { inTransaction } from '../db/transaction.ts';
import { timeoutOptions, withoutDeadline, withTimeLimit } from '../deadline.ts';
import type { MessagesDatabase } from '../messages/database.ts';
import type { StoredUserRef } from '../messages/documents.ts';
import { MERGE_STATES, type MergeDocument } from './merge-documents.ts';

/** What a mover works on. */
export interface HistoryMoverDatabase {
  readonly client: MongoClient;
  readonly messages: MessagesDatabase['messages'];
  readonly activities: MessagesDatabase['activities'];
  readonly merges: Collection<MergeDocument>;
}

export interface HistoryMoverOptions {
  /** Messages, and apart activities, per transaction. */
  readonly batchSize: number;
  /** The most one batch may take. */
  readonly batchTimeoutMs: number;
  readonly clock: () => Date;
  readonly logger: Logger;
}

/** Waits after a failed batch: doubling from 1 s up to 30 s. */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;

/** The filter `{ 'x.id': …, 'x.uid': … }` for references to one user incarnation. */
function refersTo(field: 'recipient' | 'actor', ref: StoredUserRef): Record<string, unknown> {
  // `null` also matches a reference without a uid: one made before incarnations.
  return { [`${field}.id`]: ref.id, [`${field}.uid`]: ref.uid ?? null };
}

/** The filters of what a merge hands over: the secondary's references from the cutoff on. */
export function movableFilters(merge: Pick<MergeDocument, 'secondary' | 'cutoff'>): {
  messages: Record<string, unknown>;
  activities: Record<string, unknown>;
} {
  const since = { insertedAt: { $gte: merge.cutoff } };
  return {
    messages: { ...refersTo('recipient', merge.secondary), ...since },
    activities: { ...refersTo('actor', merge.secondary), ...since },
  };
}

export class HistoryMover {
  private readonly running = new Map<string, Promise<MergeDocument>>();
  private stopping = false;
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly db: HistoryMoverDatabase,
    private readonly options: HistoryMoverOptions,
  ) {}

  /**
   * Moves the merge's history to its end, or joins the move already
   * running for it. Resolves with the finished record; rejects only when the
   * mover is stopped first (the move then resumes at the next start).
   */
  move(mergeId: ObjectId): Promise<MergeDocument> {
    const key = mergeId.toHexString();
    let run = this.running.get(key);
    if (run === undefined) {
      run = withoutDeadline(() => this.moveToEnd(mergeId)).finally(() => this.running.delete(key));
      // A caller that stops waiting (its deadline) must not leave a rejection unhandled.
      run.catch(() => undefined);
      this.running.set(key, run);
    }
    return run;
  }

  /** Starts every move that a stop or a crash left unfinished. */
  async resumeAll(): Promise<number> {
    const unfinished = await withTimeLimit(this.options.batchTimeoutMs, () =>
      this.db.merges.find({ state: MERGE_STATES.moving }, { projection: { _id: 1 }, ...timeoutOptions() }).toArray(),
    );
    for (const { _id } of unfinished) {
      this.options.logger.info({ mergeId: _id.toHexString() }, 'resuming the history move of a merge');
      void this.move(_id);
    }
    return unfinished.length;
  }

  /** Stops after the batches in flight; the moves resume at the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
    await Promise.allSettled([...this.running.values()]);
  }

  private async moveToEnd(mergeId: ObjectId): Promise<MergeDocument> {
    let retryMs = RETRY_FIRST_MS;
    for (;;) {
      if (this.stopping) throw new Error('the history mover stopped; the move resumes at the next start');
      try {
        const merge = await withTimeLimit(this.options.batchTimeoutMs, () => this.load(mergeId));
        if (merge.state === MERGE_STATES.done) return merge;
        const moved = await withTimeLimit(this.options.batchTimeoutMs, () => this.moveBatch(merge));
        if (moved === 0) return await withTimeLimit(this.options.batchTimeoutMs, () => this.finish(mergeId));
        retryMs = RETRY_FIRST_MS;
      } catch (error) {
        if (this.stopping) throw error;
        this.options.logger.warn({ err: error, mergeId: mergeId.toHexString(), retryMs }, 'a history move batch failed; retrying');
        await this.pause(retryMs);
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
      }
    }
  }

  private async load(mergeId: ObjectId): Promise<MergeDocument> {
    const merge = await this.db.merges.findOne({ _id: mergeId }, timeoutOptions());
    if (merge === null) throw new Error(`merge ${mergeId.toHexString()} has no record`);
    return merge;
  }

  /** One transaction: up to a batch of messages and a batch of activities, and their count. */
  private moveBatch(merge: MergeDocument): Promise<number> {
    const filters = movableFilters(merge);
    const limit = this.options.batchSize;
    return inTransaction(this.db.client, async (session: ClientSession) => {
      const messageIds = (await this.db.messages.find(filters.messages, { projection: { _id: 1 }, limit, session }).toArray()).map((d) => d._id);
      if (messageIds.length > 0) {
        await this.db.messages.updateMany({ _id: { $in: messageIds } }, { $set: { recipient: merge.primary } }, { session });
      }
      const activityIds = (await this.db.activities.find(filters.activities, { projection: { _id: 1 }, limit, session }).toArray()).map((d) => d._id);
      if (activityIds.length > 0) {
        await this.db.activities.updateMany({ _id: { $in: activityIds } }, { $set: { actor: merge.primary } }, { session });
      }
      if (messageIds.length + activityIds.length > 0) {
        await this.db.merges.updateOne(
          { _id: merge._id },
          { $inc: { messagesMoved: messageIds.length, activitiesMoved: activityIds.length } },
          { session },
        );
      }
      return messageIds.length + activityIds.length;
    });
  }

  private async finish(mergeId: ObjectId): Promise<MergeDocument> {
    const done = await this.db.merges.findOneAndUpdate(
      { _id: mergeId },
      { $set: { state: MERGE_STATES.done, finishedAt: this.options.clock() } },
      { returnDocument: 'after', ...timeoutOptions() },
    );
    if (done === null) throw new Error(`merge ${mergeId.toHexString()} has no record`);
    this.options.logger.info(
      { mergeId: mergeId.toHexString(), messagesMoved: done.messagesMoved, activitiesMoved: done.activitiesMoved },
      'history move finished',
    );
    return done;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }
}
