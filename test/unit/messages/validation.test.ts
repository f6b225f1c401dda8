import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MessageStatusChange,
  type CreateMessageRequest,
  type ListMessagesRequest,
} from '../../../src/gen/herald/messages/v1/messages_service.js';
import { encodeListToken, messagesScope } from '../../../src/messages/page-token.ts';
import {
  validateAddActivity,
  validateCreateMessage,
  validateListActivities,
  validateListMessages,
  validateMarkMessages,
  validateMessageRef,
} from '../../../src/messages/validation/index.ts';
import { pairsOf } from '../validation/helpers.ts';

const ID = '0123456789abcdef01234567';

function createRequest(fields: Partial<CreateMessageRequest> = {}): CreateMessageRequest {
  return { recipientId: 'u1', channelId: 'in-app-feed', data: undefined, activities: [{ data: undefined }], ...fields };
}

function listRequest(fields: Partial<ListMessagesRequest> = {}): ListMessagesRequest {
  return { recipientId: 'u1', pageSize: 0, pageToken: '', ...fields };
}

describe('validateMessageRef', () => {
  it('takes the 24 lowercase hex digits the service issues, nothing else', () => {
    expect(validateMessageRef(ID)).toBe(ID);
    expect(pairsOf(() => validateMessageRef(''))).toEqual([['message_id', 'REQUIRED']]);
    for (const bad of [ID.toUpperCase(), ID.slice(1), `${ID}0`, ` ${ID.slice(1)}`, 'g'.repeat(24), `${ID.slice(0, 23)}\u0000`]) {
      expect(pairsOf(() => validateMessageRef(bad))).toEqual([['message_id', 'INVALID_ID']]);
    }
  });

  it('accepts exactly the strings an ObjectId prints as (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (value) => {
        const valid = /^[0-9a-f]{24}$/.test(value);
        if (valid) expect(validateMessageRef(value)).toBe(value);
        else expect(pairsOf(() => validateMessageRef(value))[0]?.[0]).toBe('message_id');
      }),
    );
  });
});

describe('validateCreateMessage', () => {
  it('turns a request into a command; unset data is an empty object; actors are optional', () => {
    expect(
      validateCreateMessage(createRequest({ data: { a: 1 }, activities: [{ actorId: 'u2', data: { c: 'x' } }, { data: undefined }] })),
    ).toEqual({ recipientId: 'u1', channelId: 'in-app-feed', data: { a: 1 }, activities: [{ actorId: 'u2', data: { c: 'x' } }, { data: {} }] });
  });

  it('checks ids like user ids and channels as 1 to 256 characters without controls', () => {
    expect(validateCreateMessage(createRequest({ channelId: 'Slack #général 🚀' })).channelId).toBe('Slack #général 🚀');
    expect(validateCreateMessage(createRequest({ channelId: 'x'.repeat(256) })).channelId).toHaveLength(256);
    expect(pairsOf(() => validateCreateMessage(createRequest({ recipientId: '\u200b', channelId: 'x'.repeat(257) })))).toEqual([
      ['recipient_id', 'REQUIRED'],
      ['channel_id', 'TOO_LONG'],
    ]);
    expect(pairsOf(() => validateCreateMessage(createRequest({ channelId: 'a\nb', activities: [{ actorId: '', data: undefined }] })))).toEqual([
      ['channel_id', 'INVALID_CHARACTERS'],
      ['activities[0].actor_id', 'REQUIRED'],
    ]);
  });

  it('needs 1 to 100 activities', () => {
    expect(pairsOf(() => validateCreateMessage(createRequest({ activities: [] })))).toEqual([['activities', 'REQUIRED']]);
    const many = Array.from({ length: 101 }, () => ({ data: undefined }));
    expect(pairsOf(() => validateCreateMessage(createRequest({ activities: many })))).toEqual([['activities', 'TOO_MANY']]);
    expect(validateCreateMessage(createRequest({ activities: many.slice(1) })).activities).toHaveLength(100);
  });

  it('holds data to the user properties’ rules: keys, 32 KiB, 8 levels', () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 8; i += 1) deep = { a: deep };
    expect(
      pairsOf(() =>
        validateCreateMessage(
          createRequest({ data: { $x: 1, 'a.b': 2 }, activities: [{ data: { s: 'x'.repeat(32 * 1024) } }, { data: deep }] }),
        ),
      ),
    ).toEqual([
      ['data["$x"]', 'INVALID_KEY'],
      ['data["a.b"]', 'INVALID_KEY'],
      ['activities[0].data', 'TOO_LARGE'],
      ['activities[1].data.a.a.a.a.a.a.a.a', 'TOO_DEEP'],
    ]);
  });
});

describe('validateAddActivity', () => {
  it('needs a message id and an activity', () => {
    expect(validateAddActivity({ messageId: ID, activity: { actorId: 'u1', data: undefined } })).toEqual({
      messageId: ID,
      activity: { actorId: 'u1', data: {} },
    });
    expect(pairsOf(() => validateAddActivity({ messageId: 'x', activity: undefined }))).toEqual([
      ['message_id', 'INVALID_ID'],
      ['activity', 'REQUIRED'],
    ]);
  });
});

describe('validateListMessages', () => {
  it('defaults the page size to 25 and takes 1 to 100', () => {
    expect(validateListMessages(listRequest())).toEqual({ recipientId: 'u1', filters: {}, pageSize: 25 });
    expect(validateListMessages(listRequest({ pageSize: 100, seen: false, channelId: 'c' })).pageSize).toBe(100);
    for (const pageSize of [-1, 101, 2 ** 31 - 1]) {
      expect(pairsOf(() => validateListMessages(listRequest({ pageSize })))).toEqual([['page_size', 'OUT_OF_RANGE']]);
    }
  });

  it('keeps the filters that are set, false included', () => {
    expect(validateListMessages(listRequest({ channelId: 'c', seen: false, read: true, archived: false })).filters).toEqual({
      channelId: 'c',
      seen: false,
      read: true,
      archived: false,
    });
    expect(pairsOf(() => validateListMessages(listRequest({ channelId: '' })))).toEqual([['channel_id', 'REQUIRED']]);
  });

  it('takes a token only with the filters it was issued for', () => {
    const position = { at: new Date(5), id: ID };
    const pageToken = encodeListToken(position, messagesScope('u1', { read: false }));
    expect(validateListMessages(listRequest({ read: false, pageToken })).after).toEqual(position);
    expect(pairsOf(() => validateListMessages(listRequest({ read: true, pageToken })))).toEqual([['page_token', 'INVALID_TOKEN']]);
    expect(pairsOf(() => validateListMessages(listRequest({ recipientId: 'u2', read: false, pageToken })))).toEqual([
      ['page_token', 'INVALID_TOKEN'],
    ]);
  });
});

describe('validateListActivities', () => {
  it('checks the message id and the page size', () => {
    expect(validateListActivities({ messageId: ID, pageSize: 0, pageToken: '' })).toEqual({ messageId: ID, pageSize: 25 });
    expect(pairsOf(() => validateListActivities({ messageId: '', pageSize: 101, pageToken: 'x' }))).toEqual([
      ['message_id', 'REQUIRED'],
      ['page_size', 'OUT_OF_RANGE'],
      ['page_token', 'INVALID_TOKEN'],
    ]);
  });
});

describe('validateMarkMessages', () => {
  it('maps each change to the state it sets or clears', () => {
    const cases = [
      [MessageStatusChange.MESSAGE_STATUS_CHANGE_SEEN, { state: 'seen', set: true }],
      [MessageStatusChange.MESSAGE_STATUS_CHANGE_UNSEEN, { state: 'seen', set: false }],
      [MessageStatusChange.MESSAGE_STATUS_CHANGE_READ, { state: 'read', set: true }],
      [MessageStatusChange.MESSAGE_STATUS_CHANGE_UNREAD, { state: 'read', set: false }],
      [MessageStatusChange.MESSAGE_STATUS_CHANGE_ARCHIVED, { state: 'archived', set: true }],
      [MessageStatusChange.MESSAGE_STATUS_CHANGE_UNARCHIVED, { state: 'archived', set: false }],
    ] as const;
    for (const [change, expected] of cases) expect(validateMarkMessages({ messageIds: [ID], change }).change).toEqual(expected);
  });

  it('refuses an unset or unknown change, no ids, too many and repeats', () => {
    const read = MessageStatusChange.MESSAGE_STATUS_CHANGE_READ;
    expect(pairsOf(() => validateMarkMessages({ messageIds: [], change: MessageStatusChange.MESSAGE_STATUS_CHANGE_UNSPECIFIED }))).toEqual([
      ['message_ids', 'REQUIRED'],
      ['change', 'REQUIRED'],
    ]);
    expect(pairsOf(() => validateMarkMessages({ messageIds: [ID], change: 7 as MessageStatusChange }))).toEqual([['change', 'UNKNOWN_ENUM_VALUE']]);
    const many = Array.from({ length: 101 }, (_, i) => i.toString(16).padStart(24, '0'));
    expect(pairsOf(() => validateMarkMessages({ messageIds: many, change: read }))).toEqual([['message_ids', 'TOO_MANY']]);
    expect(validateMarkMessages({ messageIds: many.slice(1), change: read }).messageIds).toHaveLength(100);
    expect(pairsOf(() => validateMarkMessages({ messageIds: [ID, 'z', ID], change: read }))).toEqual([
      ['message_ids[1]', 'INVALID_ID'],
      ['message_ids[2]', 'DUPLICATE'],
    ]);
  });

  it('accepts any 1 to 100 distinct ids and keeps their order; any repeat is named (property)', () => {
    const ids = fc.uniqueArray(fc.stringMatching(/^[0-9a-f]{24}$/), { minLength: 1, maxLength: 100 });
    fc.assert(
      fc.property(ids, fc.option(fc.tuple(fc.nat(), fc.nat())), (unique, repeat) => {
        const change = MessageStatusChange.MESSAGE_STATUS_CHANGE_ARCHIVED;
        if (repeat === null || unique.length >= 100) {
          expect(validateMarkMessages({ messageIds: unique, change }).messageIds).toEqual(unique);
          return;
        }
        const from = repeat[0] % unique.length;
        const at = repeat[1] % (unique.length + 1);
        const withRepeat = [...unique];
        withRepeat.splice(at, 0, unique[from] as string);
        const second = withRepeat.indexOf(unique[from] as string, withRepeat.indexOf(unique[from] as string) + 1);
        expect(pairsOf(() => validateMarkMessages({ messageIds: withRepeat, change }))).toEqual([[`message_ids[${second}]`, 'DUPLICATE']]);
      }),
    );
  });
});
