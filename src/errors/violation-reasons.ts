/**
 * Every reason a `google.rpc.BadRequest.FieldViolation` can carry. The
 * reason names the rule; the violation's description says what was wrong
 * with this value. Like {@link REASONS}, a reason never changes meaning.
 */
export const VIOLATION_REASONS = {
  REQUIRED: 'The field is required (or may not be removed) but is missing, empty or blank.',
  TOO_LONG: 'The value has more characters than the field allows.',
  TOO_MANY: 'The list or map has more entries than the field allows.',
  TOO_LARGE: 'The JSON value is larger, encoded as UTF-8 JSON, than the field allows.',
  TOO_DEEP: 'The JSON value nests objects and arrays deeper than the field allows.',
  INVALID_CHARACTERS: 'The value contains characters the field does not allow (e.g. control characters).',
  INVALID_EMAIL: 'The value is not a practical email address (local@domain, as the API documents).',
  INVALID_E164: 'The value is not an E.164 phone number: "+" then 2 to 15 digits, the first not 0.',
  UNKNOWN_TIMEZONE: 'The value is not an IANA time zone name this server knows.',
  INVALID_LOCALE: 'The value is not a well-formed BCP 47 language tag.',
  INVALID_URL: 'The value is not an absolute http(s) URL without credentials.',
  INVALID_KEY: 'A JSON object key or map key breaks the key rules (length, "$" prefix, ".", NUL or character set).',
  INVALID_VALUE: 'A JSON value is not one google.protobuf.Value can carry (e.g. a list item with no kind set).',
  INVALID_NUMBER: 'A JSON number is NaN or infinite.',
  DUPLICATE: 'The value repeats one given earlier in the same list or map, where each must be unique.',
  CONFLICT: 'The field contradicts another field of the same request.',
  OUT_OF_RANGE: 'The number or time is outside the range the field allows.',
  INVALID_TOKEN: 'The opaque token (page token or version) is not one this service issued.',
  INVALID_ID: 'The value is not an id this service issues (a message id is 24 lowercase hexadecimal digits).',
  UNKNOWN_CHANNEL_TYPE: 'The channel type is not one of email, sms, push, chat, in_app_feed, http.',
  UNKNOWN_ENUM_VALUE: 'The enum number is not a value of the enum.',
  WRONG_VERSION: 'In a bulk stream: expected_version is not the version the user has at that point of the stream (or the user does not exist).',
  INVALID_UTF8: 'A string is not valid UTF-8, which proto3 requires of every string field; nothing was stored.',
  UNKNOWN_FIELD: 'The message carries a field number this server does not know (a client built from newer protos?); it is refused rather than dropped.',
  MALFORMED: 'The bytes are not a valid protobuf encoding of the message (truncated, a wrong wire type, or nested too deep).',
} as const;

/** A key of {@link VIOLATION_REASONS}. */
export type ViolationReason = keyof typeof VIOLATION_REASONS;
