/**
 * MongoDB's size limits, in one place so that what `hello` advertises, what
 * the framer accepts, how cursor batches are cut and what the encoder
 * refuses all agree.
 */

/** Largest user document (`maxBsonObjectSize`): 16 MiB. */
export const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;

/**
 * Largest document the server itself builds, e.g. a command reply: the user
 * limit plus 16 KiB of headroom for the fields around a full batch
 * (MongoDB's BSONObjMaxInternalSize).
 */
export const MAX_INTERNAL_BSON_SIZE = MAX_BSON_OBJECT_SIZE + 16 * 1024;

/** Largest wire message either way (`maxMessageSizeBytes`). */
export const MAX_MESSAGE_SIZE = 48_000_000;

/**
 * Bytes of documents one cursor batch may carry. MongoDB stops filling a
 * batch when the next document would take it past the BSON limit, so the
 * reply around the batch still fits MAX_INTERNAL_BSON_SIZE.
 */
export const MAX_BATCH_BYTES = MAX_BSON_OBJECT_SIZE;
