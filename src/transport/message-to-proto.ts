/**
 * Messages domain views to the generated protobuf messages, and the size
 * each takes in a reply (what list pages are cut by).
 */
import { Activity, Message, type UserReference } from '../gen/herald/messages/v1/message.js';
import type { ActivityView, MessageView } from '../messages/model.ts';
import type { ResolvedUser } from '../messages/user-references.ts';
import { userToProto } from './to-proto.ts';

/** Bytes a repeated field adds to an item beyond its encoding: a tag and a length of at most 5. */
const ITEM_OVERHEAD = 6;

/** A resolved user as the API returns it: the user, or the MissingUser marker, never unset. */
export function userReferenceToProto(resolved: ResolvedUser): UserReference {
  return resolved.kind === 'user'
    ? { reference: { $case: 'user', value: userToProto(resolved.user) } }
    : { reference: { $case: 'missingUser', value: { id: resolved.id } } };
}

/** A message with its resolved recipient as the API returns it. */
export function messageToProto(view: MessageView): Message {
  const { message } = view;
  return {
    id: message.id,
    recipient: userReferenceToProto(view.recipient),
    channelId: message.channelId,
    data: message.data,
    insertedAt: message.insertedAt,
    updatedAt: message.updatedAt,
    seenAt: message.seenAt,
    readAt: message.readAt,
    archivedAt: message.archivedAt,
    activityCount: message.activityCount,
  };
}

/** An activity with its resolved actor as the API returns it. */
export function activityToProto(view: ActivityView): Activity {
  const { activity } = view;
  return {
    id: activity.id,
    messageId: activity.messageId,
    actor: view.actor === undefined ? undefined : userReferenceToProto(view.actor),
    data: activity.data,
    insertedAt: activity.insertedAt,
  };
}

/** The bytes a message, its recipient included, takes in a reply's repeated field. */
export function messageReplySize(view: MessageView): number {
  return Message.encode(messageToProto(view)).finish().length + ITEM_OVERHEAD;
}

/** The bytes an activity, its actor included, takes in a reply's repeated field. */
export function activityReplySize(view: ActivityView): number {
  return Activity.encode(activityToProto(view)).finish().length + ITEM_OVERHEAD;
}
