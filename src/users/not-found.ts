/**
 * The NOT_FOUND errors of the users domain, with the ids that were looked up.
 */
import { AppError } from '../errors/app-error.ts';

/** No user with this id. */
export function userNotFound(userId: string): AppError {
  return AppError.notFound('USER_NOT_FOUND', { user_id: userId });
}

/** The user exists but has no data for this channel. */
export function channelDataNotFound(userId: string, channelId: string): AppError {
  return AppError.notFound('CHANNEL_DATA_NOT_FOUND', { user_id: userId, channel_id: channelId });
}

/** The user exists but has no preference set with this id. */
export function preferenceSetNotFound(userId: string, setId: string): AppError {
  return AppError.notFound('PREFERENCE_SET_NOT_FOUND', { user_id: userId, preference_set_id: setId });
}
