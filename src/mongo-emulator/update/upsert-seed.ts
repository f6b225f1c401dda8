/**
 * The document an upsert starts from when nothing matched: MongoDB copies
 * the filter's equality conditions into it (plain values, `$eq`, and those
 * inside `$and`; dotted paths become nested fields), then applies the
 * update. For a replacement upsert only the `_id` comes from the filter.
 */
import type { Doc } from '../bson/bson-types.ts';
import { cloneValue } from '../bson/clone.ts';
import { setPath } from '../bson/paths.ts';
import { CommandError, ErrorCode } from '../errors.ts';
import { equalityConditions } from '../query/filter.ts';

/** The seed document built from a filter's equality conditions. */
export function seedFromFilter(filter: unknown): Doc {
  const seed: Doc = {};
  const seen: string[] = [];
  for (const { path, value } of equalityConditions(filter)) {
    const clash = seen.find((other) => other === path || other.startsWith(`${path}.`) || path.startsWith(`${other}.`));
    if (clash !== undefined) {
      throw new CommandError(
        ErrorCode.NotSingleValueField,
        `cannot infer query fields to set, path '${clash.length <= path.length ? clash : path}' is matched twice`,
      );
    }
    seen.push(path);
    if (!setPath(seed, path, cloneValue(value))) {
      throw new CommandError(ErrorCode.NotSingleValueField, `cannot infer query fields to set, path '${path}' is matched twice`);
    }
  }
  return seed;
}

/** Only the `_id` equality of a filter, for replacement upserts. */
export function idSeedFromFilter(filter: unknown): Doc {
  const id = equalityConditions(filter).find((e) => e.path === '_id');
  return id === undefined ? {} : { _id: cloneValue(id.value) };
}
