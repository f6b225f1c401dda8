/**
 * Reads a message's activities from MongoDB, oldest first. Activities are
 * written with their message (message-store.ts); this file only lists them.
 */
import { ObjectId, type Filter } from 'mongodb';
import { timeoutOptions } from '../deadline.ts';
import type { MessagesDatabase } from './database.ts';
import type { ActivityDocument } from './documents.ts';
import { toActivityRecord, type ActivityRecord, type ListActivitiesQuery } from './model.ts';
import type { StoredPage } from './message-store.ts';

/** Activity reads. */
export class ActivityStore {
  constructor(private readonly db: MessagesDatabase) {}

  /**
   * Up to `query.pageSize` of the message's activities oldest first, by
   * (insertedAt, _id) ascending, after `query.after`; one more is read to
   * learn whether another page follows.
   */
  async list(query: ListActivitiesQuery): Promise<StoredPage<ActivityRecord>> {
    const filter: Filter<ActivityDocument> = { messageId: new ObjectId(query.messageId) };
    if (query.after !== undefined) {
      const { at, id } = query.after;
      filter.$or = [{ insertedAt: { $gt: at } }, { insertedAt: at, _id: { $gt: new ObjectId(id) } }];
    }
    const docs = await this.db.activities
      .find(filter, timeoutOptions())
      .sort({ insertedAt: 1, _id: 1 })
      .limit(query.pageSize + 1)
      .toArray();
    return { items: docs.slice(0, query.pageSize).map(toActivityRecord), more: docs.length > query.pageSize };
  }
}
