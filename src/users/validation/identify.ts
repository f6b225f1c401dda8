import type { ChannelDataInput as ChannelDataInputMessage } from '../../gen/herald/users/v1/channel_data.js';
import type { PreferenceSet as PreferenceSetMessage } from '../../gen/herald/users/v1/preferences.js';
import { type IdentifyUserRequest, TraitMode } from '../../gen/herald/users/v1/users_service.js';
import {
  type ChannelDataInput,
  DEFAULT_PREFERENCE_SET_ID,
  type IdentifyCommand,
  type JsonObject,
  type PreferenceSetInput,
  type ProfilePatch,
  type TraitsPatch,
} from '../model.ts';
import { checkAvatar, checkEmail, checkLocale, checkPhone, checkTimeZone } from './contact.ts';
import { CHANNEL_DATA_LIMITS, checkJsonObject, keyProblem, PROPERTIES_LIMITS } from './json.ts';
import { checkPreferenceSet } from './preferences.ts';
import { checkExpectedVersion, checkSlug, checkText, checkUserId, MAX_NAME } from './strings.ts';
import { quote, Violations } from '../../errors/violations.ts';

/** Most top-level keys one identify may unset. */
export const MAX_UNSET_PROPERTIES = 100;
/** Most channel data entries inline with one identify. */
export const MAX_CHANNEL_DATA = 50;
/** Most preference sets inline with one identify. */
export const MAX_PREFERENCE_SETS = 20;
/**
 * How far ahead of the server clock `created_at` may be: generous for
 * clock skew between systems, tight enough to catch seconds-vs-millis bugs.
 */
export const CREATED_AT_MAX_SKEW_MS = 24 * 60 * 60 * 1000;

/** Options for tests: the clock `created_at` is checked against. */
export interface ValidateOptions {
  readonly now?: Date;
}

/**
 * avatar, phone_number, timezone, locale: undefined keeps, "" removes
 * (null), anything else must pass `check`.
 */
function removable(
  value: string | undefined,
  check: (value: string, field: string, v: Violations) => string | undefined,
  field: string,
  v: Violations,
): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === '') return null;
  return check(value, field, v);
}

/** name and email: undefined keeps; "" is an error (they cannot be removed). */
function required(
  value: string | undefined,
  check: (value: string, field: string, v: Violations) => string | undefined,
  field: string,
  v: Violations,
): string | undefined {
  if (value === undefined) return undefined;
  if (value === '') {
    v.add(field, 'REQUIRED', `may not be empty: ${field} can be changed but not removed`);
    return undefined;
  }
  return check(value, field, v);
}

function checkProfile(req: IdentifyUserRequest, v: Violations): ProfilePatch {
  const profile: ProfilePatch = {};
  const name = required(req.name, (x, f, vs) => checkText(x, f, MAX_NAME, vs), 'name', v);
  if (name !== undefined) profile.name = name;
  const email = required(req.email, checkEmail, 'email', v);
  if (email !== undefined) profile.email = email;
  const avatar = removable(req.avatar, checkAvatar, 'avatar', v);
  if (avatar !== undefined) profile.avatar = avatar;
  const phone = removable(req.phoneNumber, checkPhone, 'phone_number', v);
  if (phone !== undefined) profile.phoneNumber = phone;
  const timezone = removable(req.timezone, checkTimeZone, 'timezone', v);
  if (timezone !== undefined) profile.timezone = timezone;
  const locale = removable(req.locale, checkLocale, 'locale', v);
  if (locale !== undefined) profile.locale = locale;
  return profile;
}

function checkTraitMode(mode: TraitMode, v: Violations): 'merge' | 'replace' | undefined {
  switch (mode) {
    case TraitMode.TRAIT_MODE_UNSPECIFIED:
    case TraitMode.TRAIT_MODE_MERGE:
      return 'merge';
    case TraitMode.TRAIT_MODE_REPLACE:
      return 'replace';
    default:
      v.add('trait_mode', 'UNKNOWN_ENUM_VALUE', `${String(mode)} is not a TraitMode (0, 1 or 2)`);
      return undefined;
  }
}

function checkUnset(req: IdentifyUserRequest, mode: 'merge' | 'replace' | undefined, v: Violations): string[] {
  const keys = req.unsetProperties;
  if (keys.length === 0) return [];
  if (mode === 'replace') {
    v.add('unset_properties', 'CONFLICT', 'may not be given with TRAIT_MODE_REPLACE, which already drops every key not sent');
  }
  if (keys.length > MAX_UNSET_PROPERTIES) {
    v.add('unset_properties', 'TOO_MANY', `has ${keys.length} entries, at most ${MAX_UNSET_PROPERTIES} are allowed`);
    return [];
  }
  const sent = req.properties ?? {};
  const seen = new Set<string>();
  keys.forEach((key, i) => {
    const field = `unset_properties[${i}]`;
    const problem = keyProblem(key);
    if (problem !== undefined) v.add(field, 'INVALID_KEY', problem);
    else if (seen.has(key)) v.add(field, 'DUPLICATE', `${quote(key)} is listed more than once`);
    else if (Object.prototype.hasOwnProperty.call(sent, key)) {
      v.add(field, 'CONFLICT', `${quote(key)} is also set in properties; a key cannot be both set and unset`);
    }
    seen.add(key);
  });
  return [...seen];
}

function checkTraits(req: IdentifyUserRequest, v: Violations): TraitsPatch | undefined {
  const mode = checkTraitMode(req.traitMode, v);
  const properties: JsonObject | undefined =
    req.properties === undefined ? {} : checkJsonObject(req.properties, 'properties', PROPERTIES_LIMITS, v);
  const unset = checkUnset(req, mode, v);
  if (mode === undefined || properties === undefined) return undefined;
  return mode === 'replace' ? { mode, properties } : { mode, set: properties, unset };
}

function checkCreatedAt(value: Date | undefined, now: Date, v: Violations): Date | undefined {
  if (value === undefined) return undefined;
  const ms = value.getTime();
  const latest = now.getTime() + CREATED_AT_MAX_SKEW_MS;
  if (Number.isNaN(ms)) {
    v.add('created_at', 'OUT_OF_RANGE', 'is not a representable time');
  } else if (ms < 0) {
    v.add('created_at', 'OUT_OF_RANGE', `${value.toISOString()} is before 1970-01-01T00:00:00Z`);
  } else if (ms > latest) {
    v.add('created_at', 'OUT_OF_RANGE', `${value.toISOString()} is more than a day after the server time ${now.toISOString()}`);
  } else {
    return new Date(ms);
  }
  return undefined;
}

function checkChannelData(list: readonly ChannelDataInputMessage[], v: Violations): ChannelDataInput[] {
  if (list.length > MAX_CHANNEL_DATA) {
    // Counted before any entry is read: an oversized list costs nothing more.
    v.add('channel_data', 'TOO_MANY', `has ${list.length} entries, at most ${MAX_CHANNEL_DATA} are allowed`);
    return [];
  }
  const out: ChannelDataInput[] = [];
  const seen = new Set<string>();
  list.forEach((entry, i) => {
    const field = `channel_data[${i}]`;
    const channelId = checkSlug(entry.channelId, `${field}.channel_id`, v, 'channel id');
    if (channelId !== undefined) {
      if (seen.has(channelId)) {
        v.add(`${field}.channel_id`, 'DUPLICATE', `${quote(channelId)} appears earlier in channel_data`);
      }
      seen.add(channelId);
    }
    const data = checkData(entry.data, `${field}.data`, v);
    if (channelId !== undefined && data !== undefined) out.push({ channelId, data });
  });
  return out;
}

/** Channel data's `data`: required, a JSON object within the channel data limits. */
export function checkData(data: Record<string, unknown> | undefined, field: string, v: Violations): JsonObject | undefined {
  if (data === undefined) {
    v.add(field, 'REQUIRED', 'is required: send an object, e.g. {"tokens": ["..."]}');
    return undefined;
  }
  return checkJsonObject(data, field, CHANNEL_DATA_LIMITS, v);
}

function checkPreferenceSets(list: readonly PreferenceSetMessage[], v: Violations): PreferenceSetInput[] {
  if (list.length > MAX_PREFERENCE_SETS) {
    v.add('preferences', 'TOO_MANY', `has ${list.length} entries, at most ${MAX_PREFERENCE_SETS} are allowed`);
    return [];
  }
  const out: PreferenceSetInput[] = [];
  const seen = new Set<string>();
  list.forEach((set, i) => {
    const checked = checkPreferenceSet(set, `preferences[${i}]`, v);
    // An empty id means "default": "" and "default" name the same set.
    const id = set.id === '' ? DEFAULT_PREFERENCE_SET_ID : set.id;
    if (seen.has(id)) v.add(`preferences[${i}].id`, 'DUPLICATE', `${quote(id)} appears earlier in preferences`);
    seen.add(id);
    if (checked !== undefined) out.push(checked);
  });
  return out;
}

/**
 * Turns an IdentifyUserRequest into an IdentifyCommand, or throws
 * INVALID_ARGUMENT listing every problem of the request at once.
 */
export function validateIdentifyUser(req: IdentifyUserRequest, options: ValidateOptions = {}): IdentifyCommand {
  const v = new Violations();
  const userId = checkUserId(req.userId, 'user_id', v);
  const profile = checkProfile(req, v);
  const traits = checkTraits(req, v);
  const createdAt = checkCreatedAt(req.createdAt, options.now ?? new Date(), v);
  const channelData = checkChannelData(req.channelData, v);
  const preferenceSets = checkPreferenceSets(req.preferences, v);
  const expectedVersion = checkExpectedVersion(req.expectedVersion, 'expected_version', v);
  v.throwIfAny();
  // throwIfAny returned, so nothing was reported and every part is defined.
  if (userId === undefined || traits === undefined) throw new Error('unreachable: validation lost a violation');
  return {
    userId,
    profile,
    traits,
    channelData,
    preferenceSets,
    ...(createdAt === undefined ? {} : { createdAt }),
    ...(expectedVersion === undefined ? {} : { expectedVersion }),
  };
}
