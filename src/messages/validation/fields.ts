/**
 * Checks of the messages domain's own fields: message ids, channel ids and
 * free-form data. Like the users validation they report into a Violations
 * collector, so a request lists all its problems at once.
 */
import type { JsonObject } from '../../users/model.ts';
import { checkJsonObject, PROPERTIES_LIMITS } from '../../users/validation/json.ts';
import { checkText } from '../../users/validation/strings.ts';
import type { Violations } from '../../errors/violations.ts';

/** Longest channel id, in code points, as the proto documents. */
export const MAX_CHANNEL_ID = 256;

/** Message ids as the service issues them: an ObjectId's 24 lowercase hex digits. */
const MESSAGE_ID = /^[0-9a-f]{24}$/;

/**
 * A message id: the canonical form the service hands out, nothing else, so
 * that one message has one id (an upper-case spelling would name it too,
 * and slip past MarkMessages' check for repeats). The value is not quoted
 * back: ids are caller input, and descriptions may be logged by clients.
 */
export function checkMessageId(value: string, field: string, v: Violations): string | undefined {
  if (value === '') {
    v.add(field, 'REQUIRED', 'is required: send the id the service returned for the message');
    return undefined;
  }
  if (!MESSAGE_ID.test(value)) {
    v.add(field, 'INVALID_ID', 'is not a message id this service issued (24 lowercase hexadecimal digits)');
    return undefined;
  }
  return value;
}

/** A channel id: 1 to 256 code points, no control characters, not blank. */
export function checkChannelId(value: string, field: string, v: Violations): string | undefined {
  return checkText(value, field, MAX_CHANNEL_ID, v);
}

/**
 * Message or activity data: a JSON object under the user properties' rules
 * (keys, 32 KiB, 8 levels); unset means an empty object.
 */
export function checkMessageData(data: Record<string, unknown> | undefined, field: string, v: Violations): JsonObject | undefined {
  return data === undefined ? {} : checkJsonObject(data, field, PROPERTIES_LIMITS, v);
}
