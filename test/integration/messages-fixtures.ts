/**
 * Helpers of the MessagesService integration tests: a clock the test
 * drives, users and messages to work on, and what is stored.
 */
import type { Db } from 'mongodb';
import { expect } from 'vitest';
import type { Message, UserReference } from '../../src/gen/herald/messages/v1/message.js';
import type { ActivityInput, DeepPartial } from '../../src/gen/herald/messages/v1/messages_service.js';
import { defined, newUser, uniqueId } from './fixtures.ts';
import type { TestService } from './harness.ts';

/**
 * A clock that moves one second at every reading, from `start`, so each
 * message is newer than the one before; `hold` makes it stand still (times
 * that tie), `resume` moves it again.
 */
export function steppingClock(start = new Date('2031-05-01T12:00:00.000Z')): {
  now: () => Date;
  hold: () => void;
  resume: () => void;
} {
  let ms = start.getTime();
  let held = false;
  return {
    now: () => {
      if (!held) ms += 1000;
      return new Date(ms);
    },
    hold: () => {
      held = true;
    },
    resume: () => {
      held = false;
    },
  };
}

/** Identifies a new user and returns their id. */
export async function createUser(service: TestService, prefix = 'msg-user'): Promise<string> {
  const request = newUser({ userId: uniqueId(prefix) });
  await service.api.identifyUser(request);
  return request.userId;
}

/** Creates a message for `recipientId` with one activity (by `actorId`, if given); returns it. */
export async function createMessage(
  service: TestService,
  recipientId: string,
  fields: { channelId?: string; data?: Record<string, unknown>; activities?: DeepPartial<ActivityInput>[] } = {},
): Promise<Message> {
  const { message } = await service.messages.createMessage({
    recipientId,
    channelId: fields.channelId ?? 'in-app-feed',
    data: fields.data ?? {},
    activities: fields.activities ?? [{ data: {} }],
  });
  return defined(message, 'message');
}

/** The id of the user a reference names, failing the test when it is the missing marker. */
export function userIdOf(reference: UserReference | undefined): string {
  const ref = defined(reference, 'user reference').reference;
  if (ref?.$case !== 'user') return expect.fail(`expected a user, got ${JSON.stringify(ref)}`);
  return ref.value.id;
}

/** The id a MissingUser marker names, failing the test when the reference is a user. */
export function missingIdOf(reference: UserReference | undefined): string {
  const ref = defined(reference, 'user reference').reference;
  if (ref?.$case !== 'missingUser') return expect.fail(`expected a missing user, got ${JSON.stringify(ref)}`);
  return ref.value.id;
}

/** How many messages and activities are stored. */
export async function messageCounts(db: Db): Promise<{ messages: number; activities: number }> {
  return {
    messages: await db.collection('messages').countDocuments({}),
    activities: await db.collection('activities').countDocuments({}),
  };
}
