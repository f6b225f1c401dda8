/**
 * MessagesService request validation: pure functions that turn generated
 * requests into the commands and queries of ../model.ts, or throw
 * INVALID_ARGUMENT with one field violation per problem, all at once.
 */
import {
  MessageStatusChange,
  type ActivityInput as ActivityInputMessage,
  type AddActivityRequest,
  type CreateMessageRequest,
  type ListActivitiesRequest,
  type ListMessagesRequest,
  type MarkMessagesRequest,
} from '../../gen/herald/messages/v1/messages_service.js';
import { Violations } from '../../errors/violations.ts';
import { checkUserId } from '../../users/validation/strings.ts';
import type {
  ActivityInput,
  AddActivityCommand,
  CreateMessageCommand,
  ListActivitiesQuery,
  ListMessagesQuery,
  ListPosition,
  MarkMessagesCommand,
  MessageFilters,
  StateChange,
} from '../model.ts';
import { activitiesScope, messagesScope, readListToken } from '../page-token.ts';
import { checkChannelId, checkMessageData, checkMessageId } from './fields.ts';

/** Most activities one CreateMessage may carry. */
export const MAX_ACTIVITIES = 100;
/** Most ids one MarkMessages may name. */
export const MAX_MARK_MESSAGES = 100;
/** Page size of ListMessages and ListActivities when the caller sends 0. */
export const DEFAULT_PAGE_SIZE = 25;
/** Largest page of ListMessages and ListActivities. */
export const MAX_PAGE_SIZE = 100;

/** Shown when a check said nothing yet returned nothing: a bug here, not the caller's. */
function lost(): never {
  throw new Error('unreachable: validation lost a violation');
}

function checkActivity(input: ActivityInputMessage, field: string, v: Violations): ActivityInput | undefined {
  const before = v.count;
  const actorId = input.actorId === undefined ? undefined : checkUserId(input.actorId, `${field}.actor_id`, v);
  const data = checkMessageData(input.data, `${field}.data`, v);
  if (v.count > before || data === undefined) return undefined;
  return actorId === undefined ? { data } : { actorId, data };
}

/** CreateMessage: recipient, channel, data and 1 to 100 activities. */
export function validateCreateMessage(req: CreateMessageRequest): CreateMessageCommand {
  const v = new Violations();
  const recipientId = checkUserId(req.recipientId, 'recipient_id', v);
  const channelId = checkChannelId(req.channelId, 'channel_id', v);
  const data = checkMessageData(req.data, 'data', v);
  const activities: ActivityInput[] = [];
  if (req.activities.length === 0) {
    v.add('activities', 'REQUIRED', `a message needs at least one activity; send 1 to ${MAX_ACTIVITIES}`);
  } else if (req.activities.length > MAX_ACTIVITIES) {
    v.add('activities', 'TOO_MANY', `has ${req.activities.length} entries, at most ${MAX_ACTIVITIES} are allowed`);
  } else {
    req.activities.forEach((input, i) => {
      const activity = checkActivity(input, `activities[${i}]`, v);
      if (activity !== undefined) activities.push(activity);
    });
  }
  v.throwIfAny();
  return { recipientId: recipientId ?? lost(), channelId: channelId ?? lost(), data: data ?? lost(), activities };
}

/** AddActivity: the message id and the required activity. */
export function validateAddActivity(req: AddActivityRequest): AddActivityCommand {
  const v = new Violations();
  const messageId = checkMessageId(req.messageId, 'message_id', v);
  let activity: ActivityInput | undefined;
  if (req.activity === undefined) v.add('activity', 'REQUIRED', 'is required: send the activity, e.g. {"data": {}}');
  else activity = checkActivity(req.activity, 'activity', v);
  v.throwIfAny();
  return { messageId: messageId ?? lost(), activity: activity ?? lost() };
}

/** A message id (`field` for the violation path). */
export function validateMessageRef(messageId: string, field = 'message_id'): string {
  const v = new Violations();
  const id = checkMessageId(messageId, field, v);
  v.throwIfAny();
  return id ?? lost();
}

/** page_size: 0 means the default; 1 to the maximum as given; anything else is refused, not clamped. */
function checkPageSize(pageSize: number, v: Violations): number {
  if (!Number.isInteger(pageSize) || pageSize < 0 || pageSize > MAX_PAGE_SIZE) {
    v.add('page_size', 'OUT_OF_RANGE', `must be 0 (the default, ${DEFAULT_PAGE_SIZE}) or 1 to ${MAX_PAGE_SIZE}, got ${pageSize}`);
  }
  return pageSize === 0 ? DEFAULT_PAGE_SIZE : pageSize;
}

function position(after: ListPosition | undefined): { after?: ListPosition } {
  return after === undefined ? {} : { after };
}

/** ListMessages: the recipient, the filters, the page size and a token issued for the same recipient and filters. */
export function validateListMessages(req: ListMessagesRequest): ListMessagesQuery {
  const v = new Violations();
  const recipientId = checkUserId(req.recipientId, 'recipient_id', v);
  const filters: { -readonly [K in keyof MessageFilters]: MessageFilters[K] } = {};
  if (req.channelId !== undefined) {
    const channelId = checkChannelId(req.channelId, 'channel_id', v);
    if (channelId !== undefined) filters.channelId = channelId;
  }
  if (req.seen !== undefined) filters.seen = req.seen;
  if (req.read !== undefined) filters.read = req.read;
  if (req.archived !== undefined) filters.archived = req.archived;
  const pageSize = checkPageSize(req.pageSize, v);
  const after =
    req.pageToken === '' ? undefined : readListToken(req.pageToken, 'page_token', messagesScope(req.recipientId, filters), v);
  v.throwIfAny();
  return { recipientId: recipientId ?? lost(), filters, pageSize, ...position(after) };
}

/** ListActivities: the message, the page size and a token issued for the same message. */
export function validateListActivities(req: ListActivitiesRequest): ListActivitiesQuery {
  const v = new Violations();
  const messageId = checkMessageId(req.messageId, 'message_id', v);
  const pageSize = checkPageSize(req.pageSize, v);
  const after = req.pageToken === '' ? undefined : readListToken(req.pageToken, 'page_token', activitiesScope(req.messageId), v);
  v.throwIfAny();
  return { messageId: messageId ?? lost(), pageSize, ...position(after) };
}

const CHANGES: ReadonlyMap<MessageStatusChange, StateChange> = new Map([
  [MessageStatusChange.MESSAGE_STATUS_CHANGE_SEEN, { state: 'seen', set: true }],
  [MessageStatusChange.MESSAGE_STATUS_CHANGE_UNSEEN, { state: 'seen', set: false }],
  [MessageStatusChange.MESSAGE_STATUS_CHANGE_READ, { state: 'read', set: true }],
  [MessageStatusChange.MESSAGE_STATUS_CHANGE_UNREAD, { state: 'read', set: false }],
  [MessageStatusChange.MESSAGE_STATUS_CHANGE_ARCHIVED, { state: 'archived', set: true }],
  [MessageStatusChange.MESSAGE_STATUS_CHANGE_UNARCHIVED, { state: 'archived', set: false }],
]);

/**
 * MarkMessages: 1 to 100 message ids, none repeated (a repeat is a
 * caller's bug and would make the answer ambiguous), and a change that is
 * set. The count is checked before any id is looked at.
 */
export function validateMarkMessages(req: MarkMessagesRequest): MarkMessagesCommand {
  const v = new Violations();
  const ids = req.messageIds;
  if (ids.length === 0) v.add('message_ids', 'REQUIRED', `names no message; send 1 to ${MAX_MARK_MESSAGES} ids`);
  else if (ids.length > MAX_MARK_MESSAGES) {
    v.add('message_ids', 'TOO_MANY', `has ${ids.length} entries, at most ${MAX_MARK_MESSAGES} are allowed`);
  } else {
    const seen = new Set<string>();
    ids.forEach((raw, i) => {
      const id = checkMessageId(raw, `message_ids[${i}]`, v);
      if (id === undefined) return;
      if (seen.has(id)) v.add(`message_ids[${i}]`, 'DUPLICATE', 'repeats an id given earlier in message_ids');
      seen.add(id);
    });
  }
  const change = CHANGES.get(req.change);
  if (req.change === MessageStatusChange.MESSAGE_STATUS_CHANGE_UNSPECIFIED) {
    v.add('change', 'REQUIRED', 'is required: send e.g. MESSAGE_STATUS_CHANGE_READ');
  } else if (change === undefined) {
    v.add('change', 'UNKNOWN_ENUM_VALUE', `${String(req.change)} is not a MessageStatusChange (1 to 6)`);
  }
  v.throwIfAny();
  return { messageIds: [...ids], change: change ?? lost() };
}
