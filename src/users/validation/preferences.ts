import type {
  PreferenceSet as PreferenceSetMessage,
  PreferenceSetting as PreferenceSettingMessage,
} from '../../gen/herald/users/v1/preferences.js';
import {
  CHANNEL_TYPES,
  type ChannelType,
  DEFAULT_PREFERENCE_SET_ID,
  type PreferenceSetInput,
  type PreferenceSetting,
} from '../model.ts';
import { checkSlug, slugProblem } from './strings.ts';
import { mapPath, quote, type Violations } from '../../errors/violations.ts';

/** Most workflows, and most categories, in one preference set. */
export const MAX_PREFERENCE_ENTRIES = 200;

const CHANNEL_TYPE_SET: ReadonlySet<string> = new Set(CHANNEL_TYPES);

function isChannelType(key: string): key is ChannelType {
  return CHANNEL_TYPE_SET.has(key);
}

/** A preference set id: "" means "default"; else 1 to 128 of [A-Za-z0-9._:-]. */
export function checkPreferenceSetId(id: string, field: string, v: Violations): string | undefined {
  if (id === '') return DEFAULT_PREFERENCE_SET_ID;
  return checkSlug(id, field, v, 'preference set id');
}

function checkChannelTypes(
  map: Readonly<Record<string, boolean>>,
  field: string,
  v: Violations,
): Partial<Record<ChannelType, boolean>> {
  const out: Partial<Record<ChannelType, boolean>> = {};
  for (const [key, on] of Object.entries(map)) {
    if (isChannelType(key)) out[key] = on;
    else v.add(mapPath(field, key), 'UNKNOWN_CHANNEL_TYPE', `${quote(key)} is not one of ${CHANNEL_TYPES.join(', ')}`);
  }
  return out;
}

function checkSettings(
  map: Readonly<Record<string, PreferenceSettingMessage | undefined>>,
  field: string,
  what: string,
  v: Violations,
): Record<string, PreferenceSetting> {
  const keys = Object.keys(map);
  if (keys.length > MAX_PREFERENCE_ENTRIES) {
    v.add(field, 'TOO_MANY', `has ${keys.length} entries, at most ${MAX_PREFERENCE_ENTRIES} are allowed`);
    return {};
  }
  const entries: [string, PreferenceSetting][] = [];
  for (const key of keys) {
    const path = mapPath(field, key);
    const before = v.count;
    checkKey(key, path, what, v);
    // A map entry with no value is an empty PreferenceSetting on the wire.
    const setting = map[key];
    const channelTypes = checkChannelTypes(setting?.channelTypes ?? {}, `${path}.channel_types`, v);
    if (v.count === before) {
      entries.push([key, setting?.enabled === undefined ? { channelTypes } : { enabled: setting.enabled, channelTypes }]);
    }
  }
  // fromEntries defines own properties, so a "__proto__" key stays data.
  return Object.fromEntries(entries);
}

/** Workflow and category keys follow the slug rules; the reason is INVALID_KEY. */
function checkKey(key: string, path: string, what: string, v: Violations): void {
  const problem = slugProblem(key, `${what} key`);
  if (problem !== undefined) v.add(path, 'INVALID_KEY', problem.description);
}

/**
 * A preference set as sent (IdentifyUser's `preferences[i]` or
 * SetPreferences' `preference_set`). `updated_at` and `version` are output
 * only and ignored.
 */
export function checkPreferenceSet(
  set: PreferenceSetMessage,
  field: string,
  v: Violations,
): PreferenceSetInput | undefined {
  const before = v.count;
  const id = checkPreferenceSetId(set.id, `${field}.id`, v);
  const channelTypes = checkChannelTypes(set.channelTypes, `${field}.channel_types`, v);
  const workflows = checkSettings(set.workflows, `${field}.workflows`, 'workflow', v);
  const categories = checkSettings(set.categories, `${field}.categories`, 'category', v);
  if (id === undefined || v.count > before) return undefined;
  return { id, channelTypes, workflows, categories };
}
