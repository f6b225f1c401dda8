/**
 * `$gt`, `$gte`, `$lt` and `$lte` query operators in MongoDB's order. mingo
 * compares strings by UTF-16 code units and does not know the BSON numeric
 * classes; MongoDB compares strings by UTF-8 bytes and numbers of all types
 * by value. Both apply type bracketing: a range only matches values of the
 * same type class as its bound (numbers with numbers, strings with strings).
 */
import { resolve } from 'mingo/util';
import { compareValues, typeRank } from '../bson/bson-order.ts';
import type { Doc } from '../bson/bson-types.ts';

type RangeTest = (comparison: number) => boolean;

function rangeOperator(test: RangeTest) {
  return (selector: string, bound: unknown) =>
    (doc: Doc): boolean => {
      const value = resolve(doc, selector, { unwrapArray: true });
      const candidates = Array.isArray(value) ? value : [value];
      const rank = typeRank(bound);
      return candidates.some((candidate) => typeRank(candidate) === rank && test(compareValues(candidate, bound)));
    };
}

/** The four range operators, for mingo's query operator table. */
export const rangeOperators = {
  $gt: rangeOperator((c) => c > 0),
  $gte: rangeOperator((c) => c >= 0),
  $lt: rangeOperator((c) => c < 0),
  $lte: rangeOperator((c) => c <= 0),
};
