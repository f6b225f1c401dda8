/**
 * Users who no longer exist, as messages and activities show them: deleted
 * recipients and actors read as the MissingUser marker, and so does the
 * user who had the id before when someone is identified under it again (a
 * new incarnation), while nobody who does not exist can be named anew.
 */
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { MessageStatusChange } from '../../src/gen/herald/messages/v1/messages_service.js';
import { defined, expectError, newUser } from './fixtures.ts';
import { startTestService } from './harness.ts';
import { createMessage, createUser, messageCounts, missingIdOf, steppingClock, userIdOf } from './messages-fixtures.ts';

const clock = steppingClock();
const service = await startTestService({ clock: clock.now });
const { messages: api, mongo } = service;

/** Identifies `userId` again (a new user under an old id). */
async function reidentify(userId: string): Promise<void> {
  const { created } = await service.api.identifyUser(newUser({ userId }));
  expect(created).toBe(true);
}

describe('a deleted recipient or actor', () => {
  it('reads as MissingUser on messages and activities, each with its id', async () => {
    const recipient = await createUser(service, 'r');
    const actor = await createUser(service, 'a');
    const message = await createMessage(service, recipient, { activities: [{ actorId: actor, data: {} }, { data: {} }] });
    await service.api.deleteUser({ userId: actor });
    const { activities } = await api.listActivities({ messageId: message.id });
    expect(missingIdOf(activities[0]?.actor)).toBe(actor);
    expect(activities[1]?.actor).toBeUndefined();
    expect(userIdOf((await api.getMessage({ messageId: message.id })).message?.recipient)).toBe(recipient);

    await service.api.deleteUser({ userId: recipient });
    expect(missingIdOf((await api.getMessage({ messageId: message.id })).message?.recipient)).toBe(recipient);
    const marked = await api.markMessages({ messageIds: [message.id], change: MessageStatusChange.MESSAGE_STATUS_CHANGE_SEEN });
    expect(missingIdOf(marked.messages[0]?.recipient)).toBe(recipient);
  });

  it('still reads as missing after someone is identified under the same id', async () => {
    const recipient = await createUser(service, 'r');
    const actor = await createUser(service, 'a');
    const message = await createMessage(service, recipient, { activities: [{ actorId: actor, data: {} }] });
    await service.api.bulkDeleteUsers({ userIds: [recipient, actor] });
    await reidentify(recipient);
    await reidentify(actor);
    expect(missingIdOf((await api.getMessage({ messageId: message.id })).message?.recipient)).toBe(recipient);
    const { activities } = await api.listActivities({ messageId: message.id });
    expect(missingIdOf(activities[0]?.actor)).toBe(actor);
    const added = await api.addActivity({ messageId: message.id, activity: { actorId: actor, data: {} } });
    expect(userIdOf(added.activity?.actor)).toBe(actor);
    expect(missingIdOf(added.message?.recipient)).toBe(recipient);
  });

  it('cannot be named by a new message or activity, and nothing is written', async () => {
    const recipient = await createUser(service, 'r');
    const gone = await createUser(service, 'gone');
    const message = await createMessage(service, recipient);
    await service.api.deleteUser({ userId: gone });
    const before = await messageCounts(mongo.db);
    const asRecipient = await expectError(
      api.createMessage({ recipientId: gone, channelId: 'c', activities: [{ data: {} }] }),
      status.NOT_FOUND,
      'USER_NOT_FOUND',
    );
    expect(asRecipient.details.errorInfo?.metadata).toEqual({ field: 'recipient_id', user_id: gone });
    const asActor = await expectError(
      api.createMessage({ recipientId: recipient, channelId: 'c', activities: [{ actorId: gone, data: {} }] }),
      status.NOT_FOUND,
      'USER_NOT_FOUND',
    );
    expect(asActor.details.errorInfo?.metadata).toEqual({ field: 'activities[0].actor_id', user_id: gone });
    const added = await expectError(
      api.addActivity({ messageId: message.id, activity: { actorId: gone, data: {} } }),
      status.NOT_FOUND,
      'USER_NOT_FOUND',
    );
    expect(added.details.errorInfo?.metadata).toEqual({ field: 'activity.actor_id', user_id: gone });
    expect(await messageCounts(mongo.db)).toEqual(before);
  });
});

describe('ListMessages and incarnations', () => {
  it('lists a deleted recipient’s messages with the marker', async () => {
    const recipient = await createUser(service, 'r');
    const made = [await createMessage(service, recipient), await createMessage(service, recipient)];
    await service.api.deleteUser({ userId: recipient });
    const { messages } = await api.listMessages({ recipientId: recipient });
    expect(messages.map((m) => m.id)).toEqual([made[1]?.id, made[0]?.id]);
    for (const m of messages) expect(missingIdOf(m.recipient)).toBe(recipient);
  });

  it('lists only the current user’s messages once the id is taken again, and all of them when it is free', async () => {
    const recipient = await createUser(service, 'r');
    const old = await createMessage(service, recipient);
    await service.api.deleteUser({ userId: recipient });
    await reidentify(recipient);
    const fresh = await createMessage(service, recipient);
    const now = await api.listMessages({ recipientId: recipient });
    expect(now.messages.map((m) => m.id)).toEqual([fresh.id]);
    expect(userIdOf(now.messages[0]?.recipient)).toBe(recipient);

    await service.api.deleteUser({ userId: recipient });
    const free = await api.listMessages({ recipientId: recipient });
    expect(free.messages.map((m) => m.id)).toEqual([fresh.id, old.id]);
    for (const m of free.messages) expect(missingIdOf(m.recipient)).toBe(recipient);
    expect(defined(free.messages[0]).activityCount).toBe(1);
  });
});
