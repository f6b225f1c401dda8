/**
 * Classifies and validates the `u` of an update statement: an
 * update-operator document, a replacement document, or an aggregation
 * pipeline. The checks and messages follow MongoDB: unknown operators fail
 * with 9 FailedToParse, `$` fields in a replacement with 52
 * DollarPrefixedFieldName, two operators on overlapping paths with 40
 * ConflictingUpdateOperators.
 */
import { isPlainDoc, type Doc } from '../bson/bson-types.ts';
import { CommandError, ErrorCode } from '../errors.ts';

/** A validated update. */
export type UpdateSpec =
  | { readonly kind: 'operators'; readonly operators: Doc }
  | { readonly kind: 'replacement'; readonly replacement: Doc }
  | { readonly kind: 'pipeline'; readonly stages: readonly Doc[] };

/** Update operators MongoDB supports. */
export const UPDATE_OPERATORS = new Set([
  '$currentDate', '$inc', '$min', '$max', '$mul', '$rename', '$set', '$setOnInsert', '$unset',
  '$addToSet', '$pop', '$pull', '$push', '$pullAll', '$bit',
]);

/** Stages allowed in an update pipeline. */
export const UPDATE_PIPELINE_STAGES = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith']);

function conflictCheck(operators: Doc): void {
  const seen: string[] = [];
  for (const [operator, fields] of Object.entries(operators)) {
    const paths = Object.keys(fields as Doc);
    if (operator === '$rename') paths.push(...Object.values(fields as Doc).map(String));
    for (const path of paths) {
      for (const other of seen) {
        if (path === other || path.startsWith(`${other}.`) || other.startsWith(`${path}.`)) {
          const shorter = path.length <= other.length ? path : other;
          throw new CommandError(ErrorCode.ConflictingUpdateOperators, `Updating the path '${path}' would create a conflict at '${shorter}'`);
        }
      }
      seen.push(path);
    }
  }
}

function parsePipeline(stages: unknown[]): UpdateSpec {
  for (const stage of stages) {
    if (!isPlainDoc(stage) || Object.keys(stage).length !== 1) {
      throw new CommandError(ErrorCode.FailedToParse, 'A pipeline stage specification object must contain exactly one field.');
    }
    const name = Object.keys(stage)[0] as string;
    if (!UPDATE_PIPELINE_STAGES.has(name)) {
      throw new CommandError(ErrorCode.InvalidOptions, `${name} is not allowed to be used within an update`);
    }
  }
  return { kind: 'pipeline', stages: stages as Doc[] };
}

/** Parses and validates an update (`u` of `update`, `update` of findAndModify). */
export function parseUpdate(raw: unknown): UpdateSpec {
  if (Array.isArray(raw)) return parsePipeline(raw);
  if (!isPlainDoc(raw)) throw new CommandError(ErrorCode.FailedToParse, 'Update argument must be either an object or an array');
  const keys = Object.keys(raw);
  const first = keys[0];
  if (first === undefined || !first.startsWith('$')) {
    const dollar = keys.find((key) => key.startsWith('$'));
    if (dollar !== undefined) {
      throw new CommandError(
        ErrorCode.DollarPrefixedFieldName,
        `The dollar ($) prefixed field '${dollar}' in '${dollar}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.`,
      );
    }
    return { kind: 'replacement', replacement: raw };
  }
  for (const key of keys) {
    if (!UPDATE_OPERATORS.has(key)) {
      throw new CommandError(
        ErrorCode.FailedToParse,
        `Unknown modifier: ${key}. Expected a valid update modifier or pipeline-style update specified as an array`,
      );
    }
    const fields = raw[key];
    if (!isPlainDoc(fields)) {
      throw new CommandError(
        ErrorCode.FailedToParse,
        `Modifiers operate on fields but we found type ${Array.isArray(fields) ? 'array' : typeof fields} instead. For example: {$mod: {<field>: ...}} not {${key}: ${JSON.stringify(fields)}}`,
      );
    }
  }
  conflictCheck(raw);
  return { kind: 'operators', operators: raw };
}

/** Whether a replacement-style update would be valid as an upsert seed. */
export function isReplacement(spec: UpdateSpec): spec is Extract<UpdateSpec, { kind: 'replacement' }> {
  return spec.kind === 'replacement';
}
