import type {
  ListUsersRequest,
  SetChannelDataRequest,
  SetPreferencesRequest,
} from '../../gen/herald/users/v1/users_service.js';
import type { ListUsersQuery, PreferenceSetInput, SetChannelDataCommand, SetPreferencesCommand } from '../model.ts';
import { readPageToken } from '../page-token.ts';
import { checkData } from './identify.ts';
import { checkPreferenceSet, checkPreferenceSetId } from './preferences.ts';
import { checkExpectedVersion, checkSlug, checkUserId } from './strings.ts';
import { quote, Violations } from '../../errors/violations.ts';

/** ListUsers' page size when the caller sends 0. */
export const DEFAULT_PAGE_SIZE = 50;
/** ListUsers' largest page. */
export const MAX_PAGE_SIZE = 1000;

/** Shown when a check said nothing yet returned nothing: a bug here, not the caller's. */
function lost(): never {
  throw new Error('unreachable: validation lost a violation');
}

/** Most ids one BulkDeleteUsers call may name: one transaction holds them all. */
export const MAX_BULK_DELETE = 1000;

/**
 * BulkDeleteUsers' ids: 1 to {@link MAX_BULK_DELETE}, each a valid user id,
 * none repeated (a repeat is a caller's bug, and would make the answer
 * ambiguous). The count is checked before any id is looked at.
 */
export function validateBulkDelete(userIds: readonly string[]): string[] {
  const v = new Violations();
  if (userIds.length === 0) v.add('user_ids', 'REQUIRED', 'names no user; send 1 to 1000 ids');
  else if (userIds.length > MAX_BULK_DELETE) {
    v.add('user_ids', 'TOO_MANY', `has ${userIds.length} entries, at most ${MAX_BULK_DELETE} are allowed`);
  } else {
    const seen = new Set<string>();
    userIds.forEach((userId, i) => {
      const id = checkUserId(userId, `user_ids[${i}]`, v);
      if (id === undefined) return;
      if (seen.has(id)) v.add(`user_ids[${i}]`, 'DUPLICATE', `${quote(id)} appears earlier in user_ids`);
      seen.add(id);
    });
  }
  v.throwIfAny();
  return [...userIds];
}

/** A user id naming an existing user (`field` for the violation path). */
export function validateUserRef(userId: string, field = 'user_id'): string {
  const v = new Violations();
  const id = checkUserId(userId, field, v);
  v.throwIfAny();
  return id ?? lost();
}

/** GetChannelData and UnsetChannelData: both ids checked at once. */
export function validateChannelRef(req: { readonly userId: string; readonly channelId: string }): {
  userId: string;
  channelId: string;
} {
  const v = new Violations();
  const userId = checkUserId(req.userId, 'user_id', v);
  const channelId = checkSlug(req.channelId, 'channel_id', v, 'channel id');
  v.throwIfAny();
  return { userId: userId ?? lost(), channelId: channelId ?? lost() };
}

/** SetChannelData: ids, the required `data` and `expected_version`. */
export function validateSetChannelData(req: SetChannelDataRequest): SetChannelDataCommand {
  const v = new Violations();
  const userId = checkUserId(req.userId, 'user_id', v);
  const channelId = checkSlug(req.channelId, 'channel_id', v, 'channel id');
  const data = checkData(req.data, 'data', v);
  const expectedVersion = checkExpectedVersion(req.expectedVersion, 'expected_version', v);
  v.throwIfAny();
  return {
    userId: userId ?? lost(),
    channelId: channelId ?? lost(),
    data: data ?? lost(),
    ...(expectedVersion === undefined ? {} : { expectedVersion }),
  };
}

/** GetPreferences: the user id, and the set id ("" means "default"). */
export function validatePreferenceSetRef(req: { readonly userId: string; readonly preferenceSetId: string }): {
  userId: string;
  setId: string;
} {
  const v = new Violations();
  const userId = checkUserId(req.userId, 'user_id', v);
  const setId = checkPreferenceSetId(req.preferenceSetId, 'preference_set_id', v);
  v.throwIfAny();
  return { userId: userId ?? lost(), setId: setId ?? lost() };
}

/** SetPreferences: the user id, the required set and `expected_version`. */
export function validateSetPreferences(req: SetPreferencesRequest): SetPreferencesCommand {
  const v = new Violations();
  const userId = checkUserId(req.userId, 'user_id', v);
  let set: PreferenceSetInput | undefined;
  if (req.preferenceSet === undefined) {
    v.add('preference_set', 'REQUIRED', 'is required: send the set, e.g. {"id": "default"}');
  } else {
    set = checkPreferenceSet(req.preferenceSet, 'preference_set', v);
  }
  const expectedVersion = checkExpectedVersion(req.expectedVersion, 'expected_version', v);
  v.throwIfAny();
  return {
    userId: userId ?? lost(),
    set: set ?? lost(),
    ...(expectedVersion === undefined ? {} : { expectedVersion }),
  };
}

/**
 * ListUsers: page_size 0 means 50; 1 to 1000 as given; anything else is an
 * error, not silently clamped, so a caller's bug shows. page_token "" starts
 * at the beginning.
 */
export function validateListUsers(req: ListUsersRequest): ListUsersQuery {
  const v = new Violations();
  const { pageSize, pageToken } = req;
  if (!Number.isInteger(pageSize) || pageSize < 0 || pageSize > MAX_PAGE_SIZE) {
    v.add('page_size', 'OUT_OF_RANGE', `must be 0 (the default, ${DEFAULT_PAGE_SIZE}) or 1 to ${MAX_PAGE_SIZE}, got ${pageSize}`);
  }
  const position = pageToken === '' ? undefined : readPageToken(pageToken, 'page_token', v);
  v.throwIfAny();
  return {
    pageSize: pageSize === 0 ? DEFAULT_PAGE_SIZE : pageSize,
    ...(position === undefined ? {} : { after: position.after }),
  };
}
