/**
 * The domain types that flow between the service layer and the store.
 * Validation turns protobuf requests into these; the store turns them into
 * MongoDB operations. Nothing here knows gRPC or MongoDB.
 */

/** A JSON value as carried by google.protobuf.Struct. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** A JSON object: user properties, channel data. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** The channel types a preference set can switch, as the proto documents. */
export const CHANNEL_TYPES = ['email', 'sms', 'push', 'chat', 'in_app_feed', 'http'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** The id a preference set gets when the caller names none. */
export const DEFAULT_PREFERENCE_SET_ID = 'default';

/**
 * Profile fields an identify may change. A field left undefined keeps its
 * stored value; `null` removes it (the caller sent "").
 */
export interface ProfilePatch {
  name?: string;
  email?: string;
  avatar?: string | null;
  phoneNumber?: string | null;
  timezone?: string | null;
  locale?: string | null;
}

/** How identify applies traits: by top-level key, or as a whole new set. */
export type TraitsPatch =
  | { readonly mode: 'merge'; readonly set: JsonObject; readonly unset: readonly string[] }
  | { readonly mode: 'replace'; readonly properties: JsonObject };

/** One workflow's or category's switch. */
export interface PreferenceSetting {
  enabled?: boolean;
  channelTypes: Partial<Record<ChannelType, boolean>>;
}

/** A preference set as the caller sends it (no server fields). */
export interface PreferenceSetInput {
  id: string;
  channelTypes: Partial<Record<ChannelType, boolean>>;
  workflows: Record<string, PreferenceSetting>;
  categories: Record<string, PreferenceSetting>;
}

/** Channel data as the caller sends it. */
export interface ChannelDataInput {
  channelId: string;
  data: JsonObject;
}

/** A validated IdentifyUser request. */
export interface IdentifyCommand {
  userId: string;
  profile: ProfilePatch;
  traits: TraitsPatch;
  createdAt?: Date;
  channelData: ChannelDataInput[];
  preferenceSets: PreferenceSetInput[];
  expectedVersion?: string;
}

/** A validated SetChannelData request. */
export interface SetChannelDataCommand {
  userId: string;
  channelId: string;
  data: JsonObject;
  expectedVersion?: string;
}

/** A validated SetPreferences request. */
export interface SetPreferencesCommand {
  userId: string;
  set: PreferenceSetInput;
  expectedVersion?: string;
}

/** A validated ListUsers request: `after` is the last id of the previous page. */
export interface ListUsersQuery {
  pageSize: number;
  after?: string;
}

/** A stored user, as the store reads it back. */
export interface UserRecord {
  id: string;
  name?: string;
  email?: string;
  avatar?: string;
  phoneNumber?: string;
  timezone?: string;
  locale?: string;
  properties: JsonObject;
  createdAt: Date;
  updatedAt: Date;
  version: string;
  /** The incarnation (UserDocument.uid); never sent to clients. */
  uid?: string;
}

/** Stored channel data for one (user, channel). */
export interface ChannelDataRecord {
  userId: string;
  channelId: string;
  data: JsonObject;
  updatedAt: Date;
  version: string;
}

/** A stored preference set. */
export interface PreferenceSetRecord extends PreferenceSetInput {
  userId: string;
  updatedAt: Date;
  version: string;
}
