/**
 * The API's count and size limits, applied while a request's bytes are
 * checked and before anything is decoded or validated entry by entry, so an
 * oversized request is turned away for the cost of counting it. Validation
 * (src/users/validation) checks the same limits again for in-process
 * callers; the numbers come from there (and from src/messages/validation).
 */
import { MAX_CHANNEL_DATA, MAX_PREFERENCE_SETS, MAX_UNSET_PROPERTIES } from '../users/validation/identify.ts';
import { CHANNEL_DATA_LIMITS, PROPERTIES_LIMITS, type JsonLimits } from '../users/validation/json.ts';
import { MAX_PREFERENCE_ENTRIES } from '../users/validation/preferences.ts';
import { MAX_BULK_DELETE } from '../users/validation/requests.ts';
import { CHANNEL_TYPES } from '../users/model.ts';
import { MAX_ACTIVITIES, MAX_MARK_MESSAGES } from '../messages/validation/requests.ts';
import type { FieldRule } from '../protobuf/wire-check.ts';

/** Most users one message of a bulk identify stream may carry. */
export const MAX_USERS_PER_MESSAGE = 1000;

/**
 * A google.protobuf.Struct never takes more than 5.5 bytes on the wire per
 * byte of its JSON text (the worst case is a list of small numbers: 11
 * bytes per item against 2, "0,"), so one over 6 times its JSON limit on the
 * wire cannot be within that limit and is refused without being read.
 */
const WIRE_BYTES_PER_JSON_BYTE = 6;

function jsonRule(limits: JsonLimits): FieldRule {
  const maxWireBytes = limits.maxBytes * WIRE_BYTES_PER_JSON_BYTE;
  return {
    maxWireBytes,
    tooLarge: (bytes) =>
      `takes ${bytes} bytes on the wire, more than any value within the limit of ${limits.maxBytes} bytes as UTF-8 JSON can take (${maxWireBytes})`,
  };
}

const PKG = 'herald.users.v1';
const MESSAGES_PKG = 'herald.messages.v1';

/** Rules by full field name; start-up fails if one names no field. */
export const REQUEST_FIELD_RULES: Readonly<Record<string, FieldRule>> = {
  [`${PKG}.BulkDeleteUsersRequest.user_ids`]: { maxCount: MAX_BULK_DELETE },
  [`${PKG}.BulkIdentifyUsersRequest.users`]: { maxCount: MAX_USERS_PER_MESSAGE },
  [`${PKG}.StreamIdentifyUsersRequest.users`]: { maxCount: MAX_USERS_PER_MESSAGE },
  [`${PKG}.IdentifyUserRequest.properties`]: jsonRule(PROPERTIES_LIMITS),
  [`${PKG}.IdentifyUserRequest.unset_properties`]: { maxCount: MAX_UNSET_PROPERTIES },
  [`${PKG}.IdentifyUserRequest.channel_data`]: { maxCount: MAX_CHANNEL_DATA },
  [`${PKG}.IdentifyUserRequest.preferences`]: { maxCount: MAX_PREFERENCE_SETS },
  [`${PKG}.ChannelDataInput.data`]: jsonRule(CHANNEL_DATA_LIMITS),
  [`${PKG}.SetChannelDataRequest.data`]: jsonRule(CHANNEL_DATA_LIMITS),
  // More channel types than exist must repeat or invent one: wrong either way.
  [`${PKG}.PreferenceSet.channel_types`]: { maxCount: CHANNEL_TYPES.length },
  [`${PKG}.PreferenceSet.workflows`]: { maxCount: MAX_PREFERENCE_ENTRIES },
  [`${PKG}.PreferenceSet.categories`]: { maxCount: MAX_PREFERENCE_ENTRIES },
  [`${PKG}.PreferenceSetting.channel_types`]: { maxCount: CHANNEL_TYPES.length },
  [`${MESSAGES_PKG}.CreateMessageRequest.activities`]: { maxCount: MAX_ACTIVITIES },
  [`${MESSAGES_PKG}.CreateMessageRequest.data`]: jsonRule(PROPERTIES_LIMITS),
  [`${MESSAGES_PKG}.ActivityInput.data`]: jsonRule(PROPERTIES_LIMITS),
  [`${MESSAGES_PKG}.MarkMessagesRequest.message_ids`]: { maxCount: MAX_MARK_MESSAGES },
};
