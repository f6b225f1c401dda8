/**
 * Small assertions shared by the conformance files: they await an operation
 * that must fail on the server and hand back the driver's error to inspect.
 */
import { MongoBulkWriteError, MongoServerError, type Document, type ObjectId, type WriteError } from 'mongodb';

/** The MongoServerError an operation fails with; throws if it succeeds or fails otherwise. */
export async function serverError(operation: Promise<unknown>): Promise<MongoServerError> {
  try {
    await operation;
  } catch (error) {
    if (error instanceof MongoServerError) return error;
    throw error;
  }
  throw new Error('expected the operation to fail with a MongoServerError, but it succeeded');
}

/** The MongoBulkWriteError a bulk operation fails with, with its write errors as an array. */
export async function bulkWriteError(
  operation: Promise<unknown>,
): Promise<{ error: MongoBulkWriteError; writeErrors: readonly WriteError[] }> {
  const error = await serverError(operation);
  if (!(error instanceof MongoBulkWriteError)) {
    throw new Error(`expected a MongoBulkWriteError, got ${error.name}: ${error.message}`, { cause: error });
  }
  return { error, writeErrors: [error.writeErrors].flat() };
}

/**
 * A document whose _id is a string or an ObjectId (the driver's default
 * `Document` types _id as an ObjectId only); other fields are free.
 */
export type AnyDoc = Document & { _id?: string | ObjectId };
