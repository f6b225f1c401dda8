/**
 * What the transactions around a user's children guarantee, checked in a
 * fixed order of events rather than by racing calls: DeleteUser removes the
 * user and the children all or nothing, and a child write that began before
 * a DeleteUser committed cannot leave an orphan behind it.
 *
 * The stores are driven through a UsersService built here on the file's
 * database (see transaction-hooks.ts), so a test can stop or fail one
 * transaction at a chosen point; everything else goes through the server.
 */
import { status } from '@grpc/grpc-js';
import type { ClientSession, Db } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/app-error.ts';
import {
  DeleteUserRequest,
  SetChannelDataRequest,
  SetPreferencesRequest,
} from '../../src/gen/herald/users/v1/users_service.js';
import type { UsersService } from '../../src/users/users-service.ts';
import { counts, newUser } from './fixtures.ts';
import { startTestService } from './harness.ts';
import { hookedUsersService, signal } from './transaction-hooks.ts';

const { api, mongo } = await startTestService();

/** The user's documents as `session`'s transaction sees them. */
async function countsIn(db: Db, session: ClientSession, userId: string) {
  return {
    users: await db.collection<{ _id: string }>('users').countDocuments({ _id: userId }, { session }),
    channelData: await db.collection('channel_data').countDocuments({ userId }, { session }),
    preferenceSets: await db.collection('preference_sets').countDocuments({ userId }, { session }),
  };
}

describe('DeleteUser is all or nothing', () => {
  it('leaves the user and all of their children in place when its transaction aborts after deleting them', async () => {
    const user = newUser({
      channelData: [
        { channelId: 'email', data: { token: 'a' } },
        { channelId: 'push', data: { token: 'b' } },
      ],
      preferences: [{ id: 'default' }, { id: 'marketing' }],
    });
    await api.identifyUser(user);
    const before = await counts(mongo.db, user.userId);
    expect(before).toEqual({ users: 1, channelData: 2, preferenceSets: 2 });

    // Fail the transaction only once the store's callback has run to its
    // end, whatever order it deletes in: every delete it made must then be
    // undone by the abort. A delete made without the session would already
    // be committed on its own and survive the abort.
    const abort = new Error('test: abort DeleteUser after its deletes');
    let seenInside: Awaited<ReturnType<typeof countsIn>> | undefined;
    const service = hookedUsersService(mongo.client, mongo.db, async (session, work) => {
      await work();
      seenInside = await countsIn(mongo.db, session, user.userId);
      throw abort;
    });

    await expect(service.deleteUser(DeleteUserRequest.fromPartial({ userId: user.userId }))).rejects.toBe(abort);
    expect(await counts(mongo.db, user.userId)).toEqual(before);
    // And the abort did come after the deletes: the transaction saw them all.
    expect(seenInside).toEqual({ users: 0, channelData: 0, preferenceSets: 0 });
  });
});

/** A child write on `service` for `userId`, as each test case makes it. */
interface ChildWrite {
  name: string;
  write(service: UsersService, userId: string): Promise<unknown>;
}

const childWrites: ChildWrite[] = [
  {
    name: 'SetChannelData',
    write: (service, userId) =>
      service.setChannelData(SetChannelDataRequest.fromPartial({ userId, channelId: 'push', data: { token: 't' } })),
  },
  {
    name: 'SetPreferences',
    write: (service, userId) =>
      service.setPreferences(SetPreferencesRequest.fromPartial({ userId, preferenceSet: { id: 'marketing' } })),
  },
];

describe('a child write against a DeleteUser that commits in the middle of it', () => {
  // The order forced here: the child write's transaction reads the user
  // (which fixes its snapshot: the user exists), DeleteUser then commits,
  // and only then does the child write go on and try to commit. Reading the
  // user is not enough to keep the child from outliving it: under snapshot
  // isolation the read still sees the user and nothing conflicts with the
  // delete. The child write must write the user document, so that MongoDB
  // reports a write conflict with the committed delete; the driver then
  // re-runs the callback, which finds no user (NOT_FOUND), or the conflict
  // outlasts the retries (ABORTED). It must never commit.
  it.each(childWrites)('$name fails and leaves no orphan', async ({ write }) => {
    const user = newUser();
    await api.identifyUser(user);

    const hasReadUser = signal();
    const resume = signal();
    const userSeen: boolean[] = [];
    // Each attempt first reads the user in its session; the first attempt
    // then waits until DeleteUser has committed. Later attempts (the
    // driver's retries) run straight through.
    const service = hookedUsersService(mongo.client, mongo.db, async (session, work, attempt) => {
      const found = await mongo.db.collection<{ _id: string }>('users').findOne({ _id: user.userId }, { session });
      userSeen.push(found !== null);
      if (attempt === 1) {
        hasReadUser.fire();
        await resume.promise;
      }
      return work();
    });

    const outcome = write(service, user.userId).then(
      () => 'committed' as const,
      (thrown: unknown) => AppError.from(thrown),
    );
    try {
      await hasReadUser.promise;
      await api.deleteUser({ userId: user.userId });
      expect(await counts(mongo.db, user.userId)).toEqual({ users: 0, channelData: 0, preferenceSets: 0 });
    } finally {
      // Never leave the child write's transaction hanging, even on failure.
      resume.fire();
    }

    const result = await outcome;
    // No orphan, whatever the outcome (soft, so that the outcome is reported too).
    expect.soft(await counts(mongo.db, user.userId)).toEqual({ users: 0, channelData: 0, preferenceSets: 0 });
    expect(result, 'the child write committed after its user was deleted').toBeInstanceOf(AppError);
    const error = result as AppError;
    expect([
      { code: status.NOT_FOUND, reason: 'USER_NOT_FOUND' },
      { code: status.ABORTED, reason: 'WRITE_CONFLICT' },
    ]).toContainEqual({ code: error.code, reason: error.reason });
    // The first attempt did read the user, before the delete committed.
    expect(userSeen[0]).toBe(true);
  });
});
