/**
 * Find-style projections (inclusion, exclusion, `$slice`, `$elemMatch`,
 * positional `.$`), evaluated with mingo. The filter is passed along
 * because the positional operator needs it.
 */
import { Query } from 'mingo/query';
import { isPlainDoc, type Doc } from '../bson/bson-types.ts';
import { CommandError, ErrorCode } from '../errors.ts';
import { mingoOptions } from './mingo-context.ts';

/** Applies a projection to documents that already match `filter`. */
export function projectDocs(docs: readonly Doc[], projection: unknown, filter: unknown): Doc[] {
  if (projection === undefined || projection === null) return [...docs];
  if (!isPlainDoc(projection)) throw new CommandError(ErrorCode.TypeMismatch, 'projection must be an object');
  if (Object.keys(projection).length === 0) return [...docs];
  const condition = isPlainDoc(filter) ? filter : {};
  return new Query(condition, mingoOptions()).find<Doc>(docs as Doc[], projection).all();
}
