/**
 * Turns stored messages and activities into what a reply shows: each with
 * the user its reference names now. Every reference of one reply goes to
 * the resolver in a single call, so a page costs one resolution, however
 * many messages and actors it holds.
 */
import type { ActivityRecord, ActivityView, MessageRecord, MessageView } from './model.ts';
import type { ReferenceToResolve, ResolveUserReferences, ResolvedUser } from './user-references.ts';

/** The messages and activities of one reply, resolved. */
export interface ResolvedReply {
  messages: MessageView[];
  activities: ActivityView[];
}

/** Resolves the recipients of `messages` and the actors of `activities` in one call, keeping their order. */
export async function resolveReply(
  resolve: ResolveUserReferences,
  messages: readonly MessageRecord[],
  activities: readonly ActivityRecord[] = [],
): Promise<ResolvedReply> {
  const references: ReferenceToResolve[] = [
    ...messages.map((m) => ({ ref: m.recipient, insertedAt: m.insertedAt })),
    ...activities.flatMap((a) => (a.actor === undefined ? [] : [{ ref: a.actor, insertedAt: a.insertedAt }])),
  ];
  const resolved = references.length === 0 ? [] : await resolve(references);
  let next = 0;
  // A resolver that answered short leaves the rest missing rather than unset: never a bare null.
  const take = (id: string): ResolvedUser => resolved[next++] ?? { kind: 'missing', id };
  return {
    messages: messages.map((message) => ({ message, recipient: take(message.recipient.id) })),
    activities: activities.map((activity) =>
      activity.actor === undefined ? { activity } : { activity, actor: take(activity.actor.id) },
    ),
  };
}
