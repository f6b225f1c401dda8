/**
 * MessagesService: creating messages with their activities, reading them
 * back, adding activities and marking messages, with the errors each
 * documents. Lists are in messages-lists.test.ts; deleted and re-created
 * users in messages-missing-users.test.ts.
 */
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { MessageStatusChange } from '../../src/gen/herald/messages/v1/messages_service.js';
import { MESSAGES_SERVICE_NAME } from '../../src/server.ts';
import { defined, expectError, expectViolations } from './fixtures.ts';
import { startTestService } from './harness.ts';
import { createMessage, createUser, messageCounts, missingIdOf, steppingClock, userIdOf } from './messages-fixtures.ts';
import { checkHealth, healthClient } from './service-clients.ts';

const clock = steppingClock();
const service = await startTestService({ clock: clock.now });
const { messages: api, mongo } = service;

const recipient = await createUser(service, 'recipient');
const actor = await createUser(service, 'actor');

describe('CreateMessage and GetMessage', () => {
  it('creates a message with its activities in order and reads it back with the users resolved', async () => {
    const created = await api.createMessage({
      recipientId: recipient,
      channelId: 'in-app-feed',
      data: { workflow: 'comment-created', nested: { n: 1, list: [true, null, 'x'] } },
      activities: [{ actorId: actor, data: { comment: 'first' } }, { data: { comment: 'system' } }, { actorId: recipient, data: {} }],
    });
    const message = defined(created.message);
    expect(message.id).toMatch(/^[0-9a-f]{24}$/);
    expect(userIdOf(message.recipient)).toBe(recipient);
    expect(message).toMatchObject({
      channelId: 'in-app-feed',
      data: { workflow: 'comment-created', nested: { n: 1, list: [true, null, 'x'] } },
      activityCount: 3,
      seenAt: undefined,
      readAt: undefined,
      archivedAt: undefined,
    });
    expect(message.updatedAt).toEqual(message.insertedAt);
    expect(created.activities.map((a) => a.data)).toEqual([{ comment: 'first' }, { comment: 'system' }, {}]);
    expect(created.activities.map((a) => a.messageId)).toEqual([message.id, message.id, message.id]);
    expect(userIdOf(created.activities[0]?.actor)).toBe(actor);
    expect(created.activities[1]?.actor).toBeUndefined();
    expect(userIdOf(created.activities[2]?.actor)).toBe(recipient);
    // The whole user, as GetUser returns it.
    const { user } = await service.api.getUser({ userId: recipient });
    expect(message.recipient?.reference).toEqual({ $case: 'user', value: user });

    const { message: got } = await api.getMessage({ messageId: message.id });
    expect(got).toEqual(message);
  });

  it('answers NOT_FOUND naming the field and the id for an unknown recipient or actor, and writes nothing', async () => {
    const before = await messageCounts(mongo.db);
    const nobody = 'nobody-here';
    const recipientMissing = await expectError(
      api.createMessage({ recipientId: nobody, channelId: 'c', activities: [{ data: {} }] }),
      status.NOT_FOUND,
      'USER_NOT_FOUND',
    );
    expect(recipientMissing.details.errorInfo?.metadata).toEqual({ field: 'recipient_id', user_id: nobody });
    const actorMissing = await expectError(
      api.createMessage({ recipientId: recipient, channelId: 'c', activities: [{ actorId: actor, data: {} }, { actorId: nobody, data: {} }] }),
      status.NOT_FOUND,
      'USER_NOT_FOUND',
    );
    expect(actorMissing.details.errorInfo?.metadata).toEqual({ field: 'activities[1].actor_id', user_id: nobody });
    expect(await messageCounts(mongo.db)).toEqual(before);
  });

  it('refuses bad fields, all at once', async () => {
    await expectViolations(api.createMessage({ recipientId: '', channelId: '\u0007', activities: [] }), [
      { field: 'recipient_id', reason: 'REQUIRED' },
      { field: 'channel_id', reason: 'INVALID_CHARACTERS' },
      { field: 'activities', reason: 'REQUIRED' },
    ]);
    await expectViolations(
      api.createMessage({
        recipientId: recipient,
        channelId: 'x'.repeat(257),
        data: { $bad: 1 },
        activities: [{ actorId: '', data: { 'a.b': 1 } }],
      }),
      [
        { field: 'channel_id', reason: 'TOO_LONG' },
        { field: 'data["$bad"]', reason: 'INVALID_KEY' },
        { field: 'activities[0].actor_id', reason: 'REQUIRED' },
        { field: 'activities[0].data["a.b"]', reason: 'INVALID_KEY' },
      ],
    );
    // Counted on the wire, before anything is decoded.
    const many = Array.from({ length: 101 }, () => ({ data: {} }));
    await expectViolations(api.createMessage({ recipientId: recipient, channelId: 'c', activities: many }), [
      { field: 'activities', reason: 'TOO_MANY' },
    ]);
    await expectViolations(api.createMessage({ recipientId: recipient, channelId: 'c', data: { s: 'x'.repeat(32 * 1024) }, activities: [{}] }), [
      { field: 'data', reason: 'TOO_LARGE' },
    ]);
  });

  it('answers GetMessage for an unknown id with MESSAGE_NOT_FOUND and a malformed id with INVALID_ID', async () => {
    const { details } = await expectError(api.getMessage({ messageId: '0123456789abcdef01234567' }), status.NOT_FOUND, 'MESSAGE_NOT_FOUND');
    expect(details.errorInfo?.metadata).toEqual({ message_id: '0123456789abcdef01234567' });
    await expectViolations(api.getMessage({ messageId: '0123456789ABCDEF01234567' }), [{ field: 'message_id', reason: 'INVALID_ID' }]);
    await expectViolations(api.getMessage({ messageId: '' }), [{ field: 'message_id', reason: 'REQUIRED' }]);
  });
});

describe('AddActivity', () => {
  it('adds an activity, counts it and moves updatedAt', async () => {
    const message = await createMessage(service, recipient);
    const added = await api.addActivity({ messageId: message.id, activity: { actorId: actor, data: { emoji: '👍' } } });
    const after = defined(added.message);
    expect(after.activityCount).toBe(2);
    expect(after.insertedAt).toEqual(message.insertedAt);
    expect(defined(after.updatedAt).getTime()).toBeGreaterThan(defined(message.updatedAt).getTime());
    const activity = defined(added.activity);
    expect(activity).toMatchObject({ messageId: message.id, data: { emoji: '👍' }, insertedAt: after.updatedAt });
    expect(userIdOf(activity.actor)).toBe(actor);
    const { activities } = await api.listActivities({ messageId: message.id });
    expect(activities.map((a) => a.id)).toEqual([expect.any(String), activity.id]);
  });

  it('answers MESSAGE_NOT_FOUND, or USER_NOT_FOUND for a missing actor, and writes nothing', async () => {
    const message = await createMessage(service, recipient);
    const before = await messageCounts(mongo.db);
    await expectError(
      api.addActivity({ messageId: '0123456789abcdef01234567', activity: { data: {} } }),
      status.NOT_FOUND,
      'MESSAGE_NOT_FOUND',
    );
    const { details } = await expectError(
      api.addActivity({ messageId: message.id, activity: { actorId: 'no-such-actor', data: {} } }),
      status.NOT_FOUND,
      'USER_NOT_FOUND',
    );
    expect(details.errorInfo?.metadata).toEqual({ field: 'activity.actor_id', user_id: 'no-such-actor' });
    expect(await messageCounts(mongo.db)).toEqual(before);
    expect((await api.getMessage({ messageId: message.id })).message).toEqual(message);
    await expectViolations(api.addActivity({ messageId: message.id }), [{ field: 'activity', reason: 'REQUIRED' }]);
  });
});

describe('MarkMessages', () => {
  const CHANGES = [
    ['seenAt', MessageStatusChange.MESSAGE_STATUS_CHANGE_SEEN, MessageStatusChange.MESSAGE_STATUS_CHANGE_UNSEEN],
    ['readAt', MessageStatusChange.MESSAGE_STATUS_CHANGE_READ, MessageStatusChange.MESSAGE_STATUS_CHANGE_UNREAD],
    ['archivedAt', MessageStatusChange.MESSAGE_STATUS_CHANGE_ARCHIVED, MessageStatusChange.MESSAGE_STATUS_CHANGE_UNARCHIVED],
  ] as const;

  it.each(CHANGES)('sets %s once, keeps it when marked again, and clears it', async (field, set, clear) => {
    const first = await createMessage(service, recipient);
    const second = await createMessage(service, recipient);
    const marked = await api.markMessages({ messageIds: [second.id, first.id], change: set });
    expect(marked.messages.map((m) => m.id)).toEqual([second.id, first.id]);
    const time = defined(marked.messages[0]?.[field]);
    for (const m of marked.messages) expect(m).toMatchObject({ [field]: time, updatedAt: time });
    // Again: the time stays, and so does updatedAt (nothing changed).
    const again = await api.markMessages({ messageIds: [first.id, second.id], change: set });
    for (const m of again.messages) expect(m).toMatchObject({ [field]: time, updatedAt: time });
    const cleared = await api.markMessages({ messageIds: [first.id], change: clear });
    expect(cleared.messages[0]?.[field]).toBeUndefined();
    expect(defined(cleared.messages[0]?.updatedAt).getTime()).toBeGreaterThan(time.getTime());
    // The other states are untouched.
    for (const [other] of CHANGES) if (other !== field) expect(cleared.messages[0]?.[other]).toBeUndefined();
    expect((await api.getMessage({ messageId: first.id })).message).toEqual(cleared.messages[0]);
  });

  it('lists the ids that name no message, in the order sent', async () => {
    const message = await createMessage(service, recipient);
    const ghostA = 'aaaaaaaaaaaaaaaaaaaaaaaa';
    const ghostB = 'bbbbbbbbbbbbbbbbbbbbbbbb';
    const result = await api.markMessages({ messageIds: [ghostB, message.id, ghostA], change: MessageStatusChange.MESSAGE_STATUS_CHANGE_READ });
    expect(result.messages.map((m) => m.id)).toEqual([message.id]);
    expect(result.missingMessageIds).toEqual([ghostB, ghostA]);
  });

  it('refuses no ids, repeated ids, too many ids and an unset or unknown change', async () => {
    const id = 'cccccccccccccccccccccccc';
    await expectViolations(api.markMessages({ messageIds: [], change: MessageStatusChange.MESSAGE_STATUS_CHANGE_UNSPECIFIED }), [
      { field: 'message_ids', reason: 'REQUIRED' },
      { field: 'change', reason: 'REQUIRED' },
    ]);
    await expectViolations(api.markMessages({ messageIds: [id, 'nope', id], change: 99 as MessageStatusChange }), [
      { field: 'message_ids[1]', reason: 'INVALID_ID' },
      { field: 'message_ids[2]', reason: 'DUPLICATE' },
      { field: 'change', reason: 'UNKNOWN_ENUM_VALUE' },
    ]);
    const many = Array.from({ length: 101 }, (_, i) => i.toString(16).padStart(24, '0'));
    await expectViolations(api.markMessages({ messageIds: many, change: MessageStatusChange.MESSAGE_STATUS_CHANGE_READ }), [
      { field: 'message_ids', reason: 'TOO_MANY' },
    ]);
  });
});

describe('the service', () => {
  it('reports its health alongside the users service', async () => {
    const health = healthClient(service.address);
    try {
      expect(await checkHealth(health, MESSAGES_SERVICE_NAME)).toBe('SERVING');
    } finally {
      health.close();
    }
  });

  it('shows a missing recipient as a marker, never as an unset reference', async () => {
    const gone = await createUser(service, 'gone');
    const message = await createMessage(service, gone);
    await service.api.deleteUser({ userId: gone });
    expect(missingIdOf((await api.getMessage({ messageId: message.id })).message?.recipient)).toBe(gone);
  });
});
