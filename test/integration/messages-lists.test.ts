/**
 * ListMessages and ListActivities: order, paging, filters, tokens bound to
 * what they list, and the reply size bound (resolved users included).
 */
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { Message } from '../../src/gen/herald/messages/v1/message.js';
import { MessageStatusChange, type ListMessagesRequest } from '../../src/gen/herald/messages/v1/messages_service.js';
import { MAX_LIST_REPLY_BYTES } from '../../src/messages/messages-service.ts';
import { defined, expectError, expectViolations, newUser, uniqueId } from './fixtures.ts';
import { startTestService } from './harness.ts';
import { createMessage, createUser, steppingClock } from './messages-fixtures.ts';

const clock = steppingClock();
const service = await startTestService({ clock: clock.now });
const { messages: api } = service;

type Filters = Pick<ListMessagesRequest, 'channelId' | 'seen' | 'read' | 'archived'>;

/** Every message ListMessages gives for `recipientId` and `filters`, page by page. */
async function listAll(recipientId: string, filters: Filters, pageSize: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let pageToken = '';
  let pages = 0;
  do {
    const page = await api.listMessages({ recipientId, ...filters, pageSize, pageToken });
    expect(page.messages.length).toBeLessThanOrEqual(pageSize);
    ids.push(...page.messages.map((m) => m.id));
    pageToken = page.nextPageToken;
    pages += 1;
    expect(pages).toBeLessThan(100);
  } while (pageToken !== '');
  return { ids, pages };
}

const recipient = await createUser(service, 'lister');
const other = await createUser(service, 'other');
// Eight messages, newest last; message i is seen when bit 0 of i is set, read for bit 1, archived for bit 2.
const created: Message[] = [];
for (let i = 0; i < 8; i += 1) created.push(await createMessage(service, recipient, { channelId: i % 2 === 0 ? 'feed-a' : 'feed-b' }));
await createMessage(service, other, { channelId: 'feed-a' });
const withBit = (bit: number): string[] => created.filter((_, i) => (i & bit) !== 0).map((m) => m.id);
await api.markMessages({ messageIds: withBit(1), change: MessageStatusChange.MESSAGE_STATUS_CHANGE_SEEN });
await api.markMessages({ messageIds: withBit(2), change: MessageStatusChange.MESSAGE_STATUS_CHANGE_READ });
await api.markMessages({ messageIds: withBit(4), change: MessageStatusChange.MESSAGE_STATUS_CHANGE_ARCHIVED });
const newestFirst = [...created].reverse().map((m) => m.id);

describe('ListMessages', () => {
  it('lists a recipient’s messages newest first, across pages, and only theirs', async () => {
    const { ids, pages } = await listAll(recipient, {}, 3);
    expect(ids).toEqual(newestFirst);
    expect(pages).toBe(3);
    const first = await api.listMessages({ recipientId: recipient });
    expect(first.messages.map((m) => m.id)).toEqual(newestFirst);
    expect(first.nextPageToken).toBe('');
    expect(first.messages[0]?.recipient?.reference?.$case).toBe('user');
  });

  const booleans = [undefined, true, false] as const;
  const combinations: Filters[] = [];
  for (const channelId of [undefined, 'feed-a', 'feed-b']) {
    for (const seen of booleans) for (const read of booleans) for (const archived of booleans) combinations.push({ channelId, seen, read, archived });
  }

  it(`applies every combination of the filters (${combinations.length}), paging through each`, async () => {
    for (const filters of combinations) {
      const expected = newestFirst.filter((id) => {
        const i = created.findIndex((m) => m.id === id);
        const on = (bit: number): boolean => (i & bit) !== 0;
        return (
          (filters.channelId === undefined || filters.channelId === (i % 2 === 0 ? 'feed-a' : 'feed-b')) &&
          (filters.seen === undefined || filters.seen === on(1)) &&
          (filters.read === undefined || filters.read === on(2)) &&
          (filters.archived === undefined || filters.archived === on(4))
        );
      });
      expect((await listAll(recipient, filters, 2)).ids, JSON.stringify(filters)).toEqual(expected);
    }
  });

  it('breaks ties in time by id, newest id first, without skipping or repeating across pages', async () => {
    const tied = await createUser(service, 'tied');
    clock.hold();
    try {
      const made: string[] = [];
      for (let i = 0; i < 5; i += 1) made.push((await createMessage(service, tied)).id);
      expect((await listAll(tied, {}, 2)).ids).toEqual([...made].sort().reverse());
    } finally {
      clock.resume();
    }
  });

  it('refuses a token issued for other filters or another recipient', async () => {
    const { nextPageToken } = await api.listMessages({ recipientId: recipient, channelId: 'feed-a', pageSize: 1 });
    expect(nextPageToken).not.toBe('');
    await expect(api.listMessages({ recipientId: recipient, channelId: 'feed-a', pageSize: 1, pageToken: nextPageToken })).resolves.toBeDefined();
    // Another page size is fine: the token holds a position, not a page.
    await expect(api.listMessages({ recipientId: recipient, channelId: 'feed-a', pageSize: 5, pageToken: nextPageToken })).resolves.toBeDefined();
    for (const request of [
      { recipientId: recipient, pageToken: nextPageToken },
      { recipientId: recipient, channelId: 'feed-b', pageToken: nextPageToken },
      { recipientId: recipient, channelId: 'feed-a', seen: false, pageToken: nextPageToken },
      { recipientId: other, channelId: 'feed-a', pageToken: nextPageToken },
    ]) {
      await expectViolations(api.listMessages(request), [{ field: 'page_token', reason: 'INVALID_TOKEN' }]);
    }
    await expectViolations(api.listMessages({ recipientId: recipient, pageToken: 'not-a-token' }), [{ field: 'page_token', reason: 'INVALID_TOKEN' }]);
  });

  it('refuses a page size outside 0 to 100 and a bad recipient id', async () => {
    await expectViolations(api.listMessages({ recipientId: recipient, pageSize: 101 }), [{ field: 'page_size', reason: 'OUT_OF_RANGE' }]);
    await expectViolations(api.listMessages({ recipientId: '', pageSize: -1, channelId: '' }), [
      { field: 'recipient_id', reason: 'REQUIRED' },
      { field: 'page_size', reason: 'OUT_OF_RANGE' },
      { field: 'channel_id', reason: 'REQUIRED' },
    ]);
  });

  it('lists nothing, without error, for an id no user ever had', async () => {
    expect(await api.listMessages({ recipientId: uniqueId('never') })).toEqual({ messages: [], nextPageToken: '' });
  });

  it('stops a page before 3 MiB, counting the resolved recipient, and carries on with a token', async () => {
    // About 31 KiB of data per message and 31 KiB of properties on its
    // recipient: 55 messages fit in one page only if the users are left out.
    const big = newUser({ userId: uniqueId('big'), properties: { blob: 'p'.repeat(31 * 1024) } });
    await service.api.identifyUser(big);
    for (let i = 0; i < 55; i += 1) await createMessage(service, big.userId, { data: { blob: 'd'.repeat(31 * 1024), i } });
    const first = await api.listMessages({ recipientId: big.userId, pageSize: 100 });
    expect(first.messages.length).toBeGreaterThan(1);
    expect(first.messages.length).toBeLessThan(55);
    expect(first.nextPageToken).not.toBe('');
    const bytes = first.messages.reduce((sum, m) => sum + Message.encode(m).finish().length + 6, 0);
    expect(bytes).toBeLessThanOrEqual(MAX_LIST_REPLY_BYTES);
    const rest = await api.listMessages({ recipientId: big.userId, pageSize: 100, pageToken: first.nextPageToken });
    expect(rest.nextPageToken).toBe('');
    const all = [...first.messages, ...rest.messages].map((m) => m.data?.['i']);
    expect(all).toEqual(Array.from({ length: 55 }, (_, i) => 54 - i));
  });
});

describe('ListActivities', () => {
  it('lists a message’s activities oldest first, across pages', async () => {
    const recipient = await createUser(service, 'acts');
    const message = await createMessage(service, recipient, { activities: [{ data: { n: 0 } }, { data: { n: 1 } }] });
    for (let n = 2; n < 7; n += 1) await api.addActivity({ messageId: message.id, activity: { actorId: recipient, data: { n } } });
    const seen: unknown[] = [];
    let pageToken = '';
    do {
      const page = await api.listActivities({ messageId: message.id, pageSize: 3, pageToken });
      expect(page.activities.length).toBeLessThanOrEqual(3);
      for (const activity of page.activities) expect(activity.messageId).toBe(message.id);
      seen.push(...page.activities.map((a) => a.data?.['n']));
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(defined((await api.getMessage({ messageId: message.id })).message).activityCount).toBe(7);
  });

  it('answers MESSAGE_NOT_FOUND for an unknown message and refuses another message’s token', async () => {
    await expectError(api.listActivities({ messageId: 'dddddddddddddddddddddddd' }), status.NOT_FOUND, 'MESSAGE_NOT_FOUND');
    const recipient = await createUser(service, 'acts2');
    const a = await createMessage(service, recipient, { activities: [{ data: {} }, { data: {} }] });
    const b = await createMessage(service, recipient, { activities: [{ data: {} }, { data: {} }] });
    const { nextPageToken } = await api.listActivities({ messageId: a.id, pageSize: 1 });
    expect(nextPageToken).not.toBe('');
    await expectViolations(api.listActivities({ messageId: b.id, pageToken: nextPageToken }), [{ field: 'page_token', reason: 'INVALID_TOKEN' }]);
    await expectViolations(api.listActivities({ messageId: a.id, pageSize: 1000 }), [{ field: 'page_size', reason: 'OUT_OF_RANGE' }]);
  });
});
