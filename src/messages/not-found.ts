/**
 * The NOT_FOUND errors of the messages domain, with what was looked up.
 */
import { AppError } from '../errors/app-error.ts';

/** No message with this id. */
export function messageNotFound(messageId: string): AppError {
  return AppError.notFound('MESSAGE_NOT_FOUND', { message_id: messageId });
}

/**
 * A message or activity names a user who does not exist (never identified,
 * deleted, or merged away): USER_NOT_FOUND, with the request field that
 * named them (e.g. "activities[1].actor_id") and their id.
 */
export function namedUserNotFound(field: string, userId: string): AppError {
  return AppError.notFound('USER_NOT_FOUND', { field, user_id: userId });
}
