/**
 * Write replies that would pass what a client receives by default (4 MiB):
 * the write happens whole, and the reply carries what fits in 3 MiB and
 * says where the rest is, instead of failing a client whose call succeeded.
 */
import { describe, expect, it } from 'vitest';
import { MessageStatusChange } from '../../src/gen/herald/messages/v1/messages_service.js';
import { defined, newUser, uniqueId } from './fixtures.ts';
import { startTestService } from './harness.ts';
import { createMessage } from './messages-fixtures.ts';

const service = await startTestService();
const { messages: api } = service;

/** Close to the 32 KiB a Struct may take. */
const BULKY = { blob: 'x'.repeat(30_000) };
const MAX_REPLY = 3 * 1024 * 1024;

async function bulkyUser(): Promise<string> {
  const userId = uniqueId('bulky');
  await service.api.identifyUser(newUser({ userId, properties: BULKY }));
  return userId;
}

describe('replies over the budget', () => {
  it('CreateMessage stores every activity and returns those that fit; ListActivities reads them all', async () => {
    const recipient = await bulkyUser();
    const actor = await bulkyUser();
    const activities = Array.from({ length: 100 }, (_, i) => ({ actorId: actor, data: { ...BULKY, i } }));
    const created = await api.createMessage({ recipientId: recipient, channelId: 'feed', data: BULKY, activities });
    const message = defined(created.message, 'message');
    expect(message.activityCount).toBe(100);
    expect(created.activities.length).toBeGreaterThan(0);
    expect(created.activities.length).toBeLessThan(100);
    expect(created.activities.map((a) => a.data?.['i'])).toEqual(created.activities.map((_, i) => i));
    const replyBytes = created.activities.reduce((sum, a) => sum + JSON.stringify(a).length, 0);
    expect(replyBytes).toBeLessThan(MAX_REPLY);

    const seen: unknown[] = [];
    let pageToken = '';
    do {
      const page = await api.listActivities({ messageId: message.id, pageSize: 100, pageToken });
      seen.push(...page.activities.map((a) => a.data?.['i']));
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    expect(seen).toEqual(activities.map((_, i) => i));
  });

  it('MarkMessages changes every message and names those it could not send', async () => {
    const recipient = await bulkyUser();
    const ids: string[] = [];
    for (let i = 0; i < 100; i += 1) ids.push((await createMessage(service, recipient, { data: { ...BULKY, i } })).id);
    const marked = await api.markMessages({ messageIds: ids, change: MessageStatusChange.MESSAGE_STATUS_CHANGE_READ });
    expect(marked.messages.length).toBeGreaterThan(0);
    expect(marked.unlistedMessageIds.length).toBeGreaterThan(0);
    expect([...marked.messages.map((m) => m.id), ...marked.unlistedMessageIds]).toEqual(ids);
    expect(marked.missingMessageIds).toEqual([]);
    for (const id of [ids[0]!, marked.unlistedMessageIds[marked.unlistedMessageIds.length - 1]!]) {
      expect((await api.getMessage({ messageId: id })).message?.readAt).toBeInstanceOf(Date);
    }
  });
});
