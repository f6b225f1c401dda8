/**
 * The messages domain: validates each request, applies the rules of
 * creating, reading, listing and marking messages and their activities,
 * resolves the users they name, and bounds reply sizes. It knows neither
 * gRPC nor MongoDB.
 */
import type {
  AddActivityRequest,
  CreateMessageRequest,
  GetMessageRequest,
  ListActivitiesRequest,
  ListMessagesRequest,
  MarkMessagesRequest,
} from '../gen/herald/messages/v1/messages_service.js';
import type { ActivityStore } from './activity-store.ts';
import type { MessageStore } from './message-store.ts';
import type { ActivityView, ListPosition, MessageView } from './model.ts';
import { messageNotFound } from './not-found.ts';
import { activitiesScope, encodeListToken, messagesScope } from './page-token.ts';
import { resolveReply } from './resolve-views.ts';
import type { ResolveUserReferences } from './user-references.ts';
import {
  validateAddActivity,
  validateCreateMessage,
  validateListActivities,
  validateListMessages,
  validateMarkMessages,
  validateMessageRef,
} from './validation/index.ts';

/**
 * The most bytes of messages (or activities), resolved users included, one
 * list reply carries: clients refuse replies over 4 MiB by default, so a
 * page stops early, with a token for the rest, rather than fail them.
 */
export const MAX_LIST_REPLY_BYTES = 3 * 1024 * 1024;

/** How the transport measures what a reply will carry, in bytes. */
export interface ReplySizes {
  readonly message: (view: MessageView) => number;
  readonly activity: (view: ActivityView) => number;
}

/** The stores the service works through. */
export interface MessagesStores {
  readonly messages: MessageStore;
  readonly activities: ActivityStore;
}

/** A page and the token of the next, empty on the last page. */
export interface Page<T> {
  items: T[];
  nextPageToken: string;
}

/**
 * How many of `items` fit in `maxBytes` as `sizeOf` measures them. The
 * first `always` of them count as fitting whatever their size: a page
 * always holds one item, while items added to a reply that already holds
 * something need not.
 */
function fitting<T>(items: readonly T[], sizeOf: (item: T) => number, maxBytes: number, always = 1): number {
  let bytes = 0;
  for (let i = 0; i < items.length; i += 1) {
    bytes += sizeOf(items[i] as T);
    if (i >= always && bytes > maxBytes) return i;
  }
  return items.length;
}

/** Cuts a resolved page to the reply budget and makes the token for what is left. */
function toPage<T>(
  views: readonly T[],
  more: boolean,
  sizeOf: (item: T) => number,
  positionOf: (item: T) => ListPosition,
  scope: string,
): Page<T> {
  const items = views.slice(0, fitting(views, sizeOf, MAX_LIST_REPLY_BYTES));
  const last = items[items.length - 1];
  const next = (more || items.length < views.length) && last !== undefined;
  return { items, nextPageToken: next ? encodeListToken(positionOf(last), scope) : '' };
}

/** The messages domain service. */
export class MessagesService {
  constructor(
    private readonly stores: MessagesStores,
    private readonly resolveUsers: ResolveUserReferences,
    private readonly sizes: ReplySizes,
  ) {}

  /** Creates a message with its first activities; see CreateMessage in the proto. */
  async createMessage(request: CreateMessageRequest): Promise<{ message: MessageView; activities: ActivityView[] }> {
    const created = await this.stores.messages.create(validateCreateMessage(request));
    const { messages, activities } = await resolveReply(this.resolveUsers, [created.message], created.activities);
    const message = this.only(messages);
    // The message always goes back; its activities as far as the reply budget allows
    // (activity_count counts them all, and ListActivities reads the rest).
    const budget = MAX_LIST_REPLY_BYTES - this.sizes.message(message);
    return { message, activities: activities.slice(0, fitting(activities, this.sizes.activity, budget, 0)) };
  }

  /** Adds an activity to a message. */
  async addActivity(request: AddActivityRequest): Promise<{ message: MessageView; activity: ActivityView }> {
    const added = await this.stores.messages.addActivity(validateAddActivity(request));
    const { messages, activities } = await resolveReply(this.resolveUsers, [added.message], [added.activity]);
    return { message: this.only(messages), activity: this.only(activities) };
  }

  /** One message; NOT_FOUND when missing. */
  async getMessage(request: GetMessageRequest): Promise<MessageView> {
    const messageId = validateMessageRef(request.messageId);
    const message = await this.stores.messages.get(messageId);
    if (message === null) throw messageNotFound(messageId);
    const { messages } = await resolveReply(this.resolveUsers, [message]);
    return this.only(messages);
  }

  /**
   * A page of a recipient's messages, newest first. When a user has the id
   * now, only that user's messages: not those of an earlier user deleted
   * under the same id. When nobody has it, every message stored under it,
   * each showing the recipient as missing.
   */
  async listMessages(request: ListMessagesRequest): Promise<Page<MessageView>> {
    const query = validateListMessages(request);
    const scope = await this.stores.messages.recipientScope(query.recipientId);
    const page = await this.stores.messages.list(query, scope);
    const { messages } = await resolveReply(this.resolveUsers, page.items);
    return toPage(
      messages,
      page.more,
      this.sizes.message,
      (view) => ({ at: view.message.insertedAt, id: view.message.id }),
      messagesScope(query.recipientId, query.filters),
    );
  }

  /**
   * Marks messages; those that exist come back after the change in the
   * order sent, and the ids that named no message are listed apart.
   */
  async markMessages(request: MarkMessagesRequest): Promise<{ messages: MessageView[]; missing: string[]; unlisted: string[] }> {
    const command = validateMarkMessages(request);
    const stored = await this.stores.messages.mark(command);
    const byId = new Map(stored.map((message) => [message.id, message]));
    const found = command.messageIds.flatMap((id) => byId.get(id) ?? []);
    const { messages } = await resolveReply(this.resolveUsers, found);
    // Every one was changed; those past the reply budget are named, not sent.
    const listed = fitting(messages, this.sizes.message, MAX_LIST_REPLY_BYTES);
    return {
      messages: messages.slice(0, listed),
      missing: command.messageIds.filter((id) => !byId.has(id)),
      unlisted: messages.slice(listed).map((view) => view.message.id),
    };
  }

  /** A page of a message's activities, oldest first; NOT_FOUND when the message is missing. */
  async listActivities(request: ListActivitiesRequest): Promise<Page<ActivityView>> {
    const query = validateListActivities(request);
    if (!(await this.stores.messages.exists(query.messageId))) throw messageNotFound(query.messageId);
    const page = await this.stores.activities.list(query);
    const { activities } = await resolveReply(this.resolveUsers, [], page.items);
    return toPage(
      activities,
      page.more,
      this.sizes.activity,
      (view) => ({ at: view.activity.insertedAt, id: view.activity.id }),
      activitiesScope(query.messageId),
    );
  }

  /** The one item of a list that holds exactly one. */
  private only<T>(items: readonly T[]): T {
    const [item] = items;
    if (item === undefined || items.length !== 1) throw new Error('expected exactly one resolved item');
    return item;
  }
}
