/**
 * The optimistic-concurrency write shared by every record that carries a
 * version (`v`): replace-or-create without a precondition, or replace only
 * the stored version the caller names.
 */
import type { ClientSession, Collection, Document, Filter, WithId } from 'mongodb';
import { AppError } from '../errors/app-error.ts';

/** A record whose stored version lives in `v`. */
export interface Versioned extends Document {
  v: string;
}

/**
 * Applies `pipeline` to the record `key` names, inside `session`, and returns
 * the record as written. Without `expectedVersion` it creates the record when
 * missing; with it, only the stored record of that version is written and
 * anything else fails with VERSION_MISMATCH, naming `subject` and the version
 * found (none when the record does not exist).
 */
export async function versionedWrite<T extends Versioned>(
  collection: Collection<T>,
  key: Filter<T>,
  pipeline: Document[],
  session: ClientSession,
  subject: string,
  expectedVersion?: string,
): Promise<WithId<T>> {
  const filter: Filter<T> =
    expectedVersion === undefined ? key : ({ ...key, v: expectedVersion } as Filter<T>);
  const doc = await collection.findOneAndUpdate(filter, pipeline, {
    upsert: expectedVersion === undefined,
    returnDocument: 'after',
    session,
  });
  if (doc !== null) return doc;
  const current = await collection.findOne(key, { projection: { v: 1 }, session });
  throw AppError.versionMismatch(subject, expectedVersion ?? '', current?.['v'] as string | undefined);
}
