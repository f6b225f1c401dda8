/**
 * The shapes of the documents this service keeps in MongoDB, and their
 * conversion to domain records. Kept in one place so that field names used in
 * filters, pipelines and indexes cannot drift apart.
 */
import type { ObjectId } from 'mongodb';
import type {
  ChannelDataRecord,
  JsonObject,
  PreferenceSetRecord,
  PreferenceSetting,
  UserRecord,
  ChannelType,
} from './model.ts';

/** Collection names. */
export const COLLECTIONS = {
  users: 'users',
  channelData: 'channel_data',
  preferenceSets: 'preference_sets',
} as const;

/**
 * A user. `_id` is the caller's user id; traits live under `properties` so
 * that no trait can collide with a system field.
 */
export interface UserDocument {
  _id: string;
  name?: string;
  email?: string;
  avatar?: string;
  phoneNumber?: string;
  timezone?: string;
  locale?: string;
  properties?: JsonObject;
  createdAt: Date;
  updatedAt: Date;
  /** Opaque version, replaced on every write to the user. */
  v: string;
  /**
   * The incarnation: set when the document is created, never changed (see
   * newIncarnation). Absent on users stored before incarnations existed.
   */
  uid?: string;
  /**
   * Server time of the last write to the user's channel data or preference
   * sets. Writing it makes those writes conflict with a concurrent delete of
   * the user, so that no orphan can be left behind.
   */
  childrenUpdatedAt?: Date;
}

/** Channel data for one (user, channel); unique on (userId, channelId). */
export interface ChannelDataDocument {
  _id: ObjectId;
  userId: string;
  channelId: string;
  data: JsonObject;
  updatedAt: Date;
  v: string;
}

/** One preference set; unique on (userId, setId). */
export interface PreferenceSetDocument {
  _id: ObjectId;
  userId: string;
  setId: string;
  channelTypes?: Partial<Record<ChannelType, boolean>>;
  workflows?: Record<string, PreferenceSetting>;
  categories?: Record<string, PreferenceSetting>;
  updatedAt: Date;
  v: string;
}

/** Copies the optional string fields that are present. */
function presentStrings<K extends string>(
  doc: Partial<Record<K, unknown>>,
  keys: readonly K[],
): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const key of keys) {
    const value = doc[key];
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}

const PROFILE_KEYS = ['name', 'email', 'avatar', 'phoneNumber', 'timezone', 'locale'] as const;

/** A stored user as the service layer sees it. */
export function toUserRecord(doc: UserDocument): UserRecord {
  return {
    id: doc._id,
    ...presentStrings(doc, PROFILE_KEYS),
    properties: doc.properties ?? {},
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    version: doc.v,
    ...(doc.uid === undefined ? {} : { uid: doc.uid }),
  };
}

/** Stored channel data as the service layer sees it. */
export function toChannelDataRecord(doc: ChannelDataDocument): ChannelDataRecord {
  return {
    userId: doc.userId,
    channelId: doc.channelId,
    data: doc.data,
    updatedAt: doc.updatedAt,
    version: doc.v,
  };
}

/** A stored preference set as the service layer sees it. */
export function toPreferenceSetRecord(doc: PreferenceSetDocument): PreferenceSetRecord {
  return {
    userId: doc.userId,
    id: doc.setId,
    channelTypes: doc.channelTypes ?? {},
    workflows: doc.workflows ?? {},
    categories: doc.categories ?? {},
    updatedAt: doc.updatedAt,
    version: doc.v,
  };
}
