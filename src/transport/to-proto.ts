/**
 * Domain records to the generated protobuf messages.
 */
import type { ChannelData } from '../gen/herald/users/v1/channel_data.js';
import type { PreferenceSet, PreferenceSetting } from '../gen/herald/users/v1/preferences.js';
import { User } from '../gen/herald/users/v1/user.js';
import type {
  ChannelDataRecord,
  PreferenceSetRecord,
  PreferenceSetting as DomainSetting,
  UserRecord,
} from '../users/model.ts';

/** A stored user as the API returns it. */
export function userToProto(user: UserRecord): User {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    avatar: user.avatar,
    phoneNumber: user.phoneNumber,
    timezone: user.timezone,
    locale: user.locale,
    properties: user.properties,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
    version: user.version,
  };
}

/**
 * The bytes a user takes in a reply's repeated User field: its encoding,
 * plus at most 6 for the field's tag and length.
 */
export function userReplySize(user: UserRecord): number {
  return User.encode(userToProto(user)).finish().length + 6;
}

/** Stored channel data as the API returns it. */
export function channelDataToProto(record: ChannelDataRecord): ChannelData {
  return {
    channelId: record.channelId,
    data: record.data,
    updatedAt: record.updatedAt,
    version: record.version,
  };
}

function settingsToProto(settings: Record<string, DomainSetting>): Record<string, PreferenceSetting> {
  const out: Record<string, PreferenceSetting> = {};
  for (const [key, setting] of Object.entries(settings)) {
    out[key] = { enabled: setting.enabled, channelTypes: { ...setting.channelTypes } };
  }
  return out;
}

/** A stored preference set as the API returns it. */
export function preferenceSetToProto(record: PreferenceSetRecord): PreferenceSet {
  return {
    id: record.id,
    channelTypes: { ...record.channelTypes },
    workflows: settingsToProto(record.workflows),
    categories: settingsToProto(record.categories),
    updatedAt: record.updatedAt,
    version: record.version,
  };
}
