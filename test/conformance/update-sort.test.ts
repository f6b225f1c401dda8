/**
 * `sort` in an update statement (updateOne / replaceOne: which document the
 * update picks when several match) was added in MongoDB 8.0 (wire version
 * 25). Before it the field is unknown to the update command, which fails
 * with 40415 ("BSON field 'update.updates.sort' is an unknown field").
 * Whichever server this runs on, it must behave as the version it
 * advertises: buildInfo's version and hello's maxWireVersion agree, and an
 * update with a sort follows that version's rule.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../support/mongo.ts';
import { serverError } from './server-error.ts';
import { unlessDocumentdb } from '../support/documentdb-departures.ts';

const { client, db } = await useTestDatabase();

/** maxWireVersion of each MongoDB release (MongoDB's wire version table). */
const WIRE_VERSIONS: Record<string, number> = { '6.0': 17, '7.0': 21, '8.0': 25 };
const UPDATE_SORT_WIRE_VERSION = 25;

const hello = await client.db('admin').command({ hello: 1 });
const maxWireVersion = hello['maxWireVersion'] as number;

interface Task {
  _id: number;
  priority: number;
  done: boolean;
}
const tasks = db.collection<Task>('sorted_tasks');

beforeEach(async () => {
  await tasks.deleteMany({});
  await tasks.insertMany([
    { _id: 1, priority: 2, done: false },
    { _id: 2, priority: 9, done: false },
    { _id: 3, priority: 5, done: false },
  ]);
});

describe('update with sort', () => {
  it('buildInfo and hello claim the same release', async () => {
    const info = await client.db('admin').command({ buildInfo: 1 });
    const release = String(info['version']).split('.').slice(0, 2).join('.');
    const expected = WIRE_VERSIONS[release];
    if (expected !== undefined) expect(maxWireVersion).toBe(expected);
  });

  unlessDocumentdb('UPDATE_SORT_BEFORE_8')('updateOne with sort follows the advertised version', async () => {
    const update = tasks.updateOne({ done: false }, { $set: { done: true } }, { sort: { priority: -1 } });
    if (maxWireVersion >= UPDATE_SORT_WIRE_VERSION) {
      expect((await update).modifiedCount).toBe(1);
      expect(await tasks.findOne({ done: true })).toEqual({ _id: 2, priority: 9, done: true });
    } else {
      const error = await serverError(update);
      expect(error.code).toBe(40415);
      expect(await tasks.countDocuments({ done: true })).toBe(0);
    }
  });
});
