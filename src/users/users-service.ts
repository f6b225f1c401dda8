/**
 * The users domain: validates each request, applies the rules of identify,
 * get, list and delete, channel data and preference sets, and shapes the
 * errors. It knows neither gRPC transport details nor MongoDB.
 */
import type {
  BulkDeleteUsersRequest,
  DeleteUserRequest,
  GetChannelDataRequest,
  GetPreferencesRequest,
  GetUserRequest,
  IdentifyUserRequest,
  ListPreferencesRequest,
  ListUsersRequest,
  SetChannelDataRequest,
  SetPreferencesRequest,
  UnsetChannelDataRequest,
} from '../gen/herald/users/v1/users_service.js';
import type { AppError } from '../errors/app-error.ts';
import type { ChannelDataRecord, PreferenceSetRecord, UserRecord } from './model.ts';
import type { ChannelDataStore } from './channel-data-store.ts';
import type { PreferenceStore } from './preference-store.ts';
import type { IdentifyOutcome, UserStore } from './user-store.ts';
import { encodePageToken } from './page-token.ts';
import {
  validateBulkDelete,
  validateChannelRef,
  validateIdentifyUser,
  validateListUsers,
  validatePreferenceSetRef,
  validateSetChannelData,
  validateSetPreferences,
  validateUserRef,
} from './validation/index.ts';
import { channelDataNotFound, preferenceSetNotFound, userNotFound } from './not-found.ts';

/** One page of users and the token of the next, empty on the last page. */
export interface UsersPageResult {
  users: UserRecord[];
  nextPageToken: string;
}

/** The stores the service works through. */
export interface UsersStores {
  users: UserStore;
  channelData: ChannelDataStore;
  preferences: PreferenceStore;
}

/**
 * The most bytes of users one ListUsers reply carries: clients refuse
 * replies over 4 MiB by default (grpc-js, grpc-go, grpcio), so a page stops
 * early, with a token for the rest, rather than fail every such client.
 */
export const MAX_LIST_REPLY_BYTES = 3 * 1024 * 1024;

/** How the transport measures a user as it will send it, in bytes. */
export type UserReplySize = (user: UserRecord) => number;

/** The users domain service. */
export class UsersService {
  constructor(
    private readonly stores: UsersStores,
    private readonly userReplySize: UserReplySize,
  ) {}

  /** Creates or updates a user; see IdentifyUser in the proto. */
  identifyUser(request: IdentifyUserRequest): Promise<IdentifyOutcome> {
    return this.stores.users.identify(validateIdentifyUser(request));
  }

  /** One user; NOT_FOUND when missing. */
  async getUser(request: GetUserRequest): Promise<UserRecord> {
    const userId = validateUserRef(request.userId);
    const user = await this.stores.users.get(userId);
    if (user === null) throw userNotFound(userId);
    return user;
  }

  /**
   * A page of users in ascending order of id: `page_size` users, or fewer
   * when they would pass {@link MAX_LIST_REPLY_BYTES}.
   */
  async listUsers(request: ListUsersRequest): Promise<UsersPageResult> {
    const page = await this.stores.users.list(validateListUsers(request), {
      maxBytes: MAX_LIST_REPLY_BYTES,
      sizeOf: this.userReplySize,
    });
    return {
      users: page.users,
      nextPageToken: page.nextAfter === undefined ? '' : encodePageToken(page.nextAfter),
    };
  }

  /** Deletes a user with their channel data and preferences; NOT_FOUND when missing. */
  async deleteUser(request: DeleteUserRequest): Promise<void> {
    const userId = validateUserRef(request.userId);
    if (!(await this.stores.users.delete(userId))) throw userNotFound(userId);
  }

  /**
   * Deletes up to 1000 users with their children in one transaction; the
   * ids split into those deleted and those that named no user, in request order.
   */
  async bulkDeleteUsers(request: BulkDeleteUsersRequest): Promise<{ deleted: string[]; missing: string[] }> {
    const userIds = validateBulkDelete(request.userIds);
    const existed = await this.stores.users.deleteMany(userIds);
    return {
      deleted: userIds.filter((id) => existed.has(id)),
      missing: userIds.filter((id) => !existed.has(id)),
    };
  }

  /** One channel's data; NOT_FOUND names whether the user or the data is missing. */
  async getChannelData(request: GetChannelDataRequest): Promise<ChannelDataRecord> {
    const { userId, channelId } = validateChannelRef(request);
    return this.foundOrWhyNot(await this.stores.channelData.get(userId, channelId), userId, () =>
      channelDataNotFound(userId, channelId),
    );
  }

  /** Replaces one channel's data. */
  setChannelData(request: SetChannelDataRequest): Promise<ChannelDataRecord> {
    return this.stores.channelData.set(validateSetChannelData(request));
  }

  /** Removes one channel's data. */
  async unsetChannelData(request: UnsetChannelDataRequest): Promise<void> {
    const { userId, channelId } = validateChannelRef(request);
    await this.stores.channelData.unset(userId, channelId);
  }

  /** One preference set; NOT_FOUND names whether the user or the set is missing. */
  async getPreferences(request: GetPreferencesRequest): Promise<PreferenceSetRecord> {
    const { userId, setId } = validatePreferenceSetRef(request);
    return this.foundOrWhyNot(await this.stores.preferences.get(userId, setId), userId, () =>
      preferenceSetNotFound(userId, setId),
    );
  }

  /** Replaces one preference set. */
  setPreferences(request: SetPreferencesRequest): Promise<PreferenceSetRecord> {
    return this.stores.preferences.set(validateSetPreferences(request));
  }

  /** All of a user's preference sets. */
  async listPreferences(request: ListPreferencesRequest): Promise<PreferenceSetRecord[]> {
    const userId = validateUserRef(request.userId);
    await this.requireUser(userId);
    return this.stores.preferences.list(userId);
  }

  /**
   * A user's child record, or the NOT_FOUND that says what is missing: the
   * user (USER_NOT_FOUND) or only the record (`missing`).
   */
  private async foundOrWhyNot<T>(record: T | null, userId: string, missing: () => AppError): Promise<T> {
    if (record !== null) return record;
    await this.requireUser(userId);
    throw missing();
  }

  private async requireUser(userId: string): Promise<void> {
    if (!(await this.stores.users.exists(userId))) throw userNotFound(userId);
  }
}
