/**
 * Options that change how a query runs but that the emulator does not
 * implement beyond their defaults: a collation other than `simple` and a
 * hint naming an index that does not exist are errors, not silently ignored.
 */
import { isPlainDoc, type Doc } from '../bson/bson-types.ts';
import { canonicalKey } from '../bson/canonical-key.ts';
import { CommandError, ErrorCode, notImplemented } from '../errors.ts';
import type { Collection } from '../storage/collection.ts';

/** Rejects any collation other than the default binary (`simple`) one. */
export function checkCollation(command: Doc): void {
  const collation = command['collation'];
  if (collation === undefined || collation === null) return;
  if (isPlainDoc(collation) && collation['locale'] === 'simple') return;
  throw notImplemented('collation');
}

/**
 * A hint must name an existing index (by name or key pattern); the emulator
 * then runs its own plan, which returns the same documents.
 */
export function checkHint(command: Doc, collection: Collection | undefined): void {
  const hint = command['hint'];
  if (hint === undefined || hint === null) return;
  if (isPlainDoc(hint) && Object.keys(hint).length === 0) return;
  const indexes = [...(collection?.indexes.values() ?? [])];
  const found =
    typeof hint === 'string'
      ? indexes.some((def) => def.name === hint)
      : isPlainDoc(hint) && indexes.some((def) => canonicalKey(def.key) === canonicalKey(hint));
  if (!found) throw new CommandError(ErrorCode.BadValue, 'hint provided does not correspond to an existing index');
}
