import { describe, it, expect } from 'vitest';
import { ObjectId } from 'bson';
import { applyUpdate, type UpdateContext } from '../../../src/mongo-emulator/update/apply-update.ts';
import { parseUpdate } from '../../../src/mongo-emulator/update/update-spec.ts';
import { systemVariablesAt } from '../../../src/mongo-emulator/update/system-variables.ts';
import { CommandError } from '../../../src/mongo-emulator/errors.ts';

const now = new Date('2025-05-05T05:05:05Z');
const ctx = (isInsert: boolean): UpdateContext => ({ isInsert, filter: {}, arrayFilters: undefined, vars: systemVariablesAt(now), letVars: undefined });

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof CommandError ? error.code : -1;
  }
  return undefined;
}

describe('parseUpdate', () => {
  it('tells operator documents, replacements and pipelines apart', () => {
    expect(parseUpdate({ $set: { a: 1 } }).kind).toBe('operators');
    expect(parseUpdate({ a: 1 }).kind).toBe('replacement');
    expect(parseUpdate([{ $set: { a: 1 } }]).kind).toBe('pipeline');
  });

  it('rejects unknown operators (9), $ fields in replacements (52) and overlapping paths (40)', () => {
    expect(codeOf(() => parseUpdate({ $set: { a: 1 }, name: 'x' }))).toBe(9);
    expect(codeOf(() => parseUpdate({ $frob: { a: 1 } }))).toBe(9);
    expect(codeOf(() => parseUpdate({ name: 'x', $set: { a: 1 } }))).toBe(52);
    expect(codeOf(() => parseUpdate({ $set: { a: 1 }, $inc: { 'a.b': 1 } }))).toBe(40);
    expect(codeOf(() => parseUpdate([{ $match: {} }]))).toBeDefined();
  });
});

describe('applyUpdate', () => {
  it('applies $setOnInsert only when inserting', () => {
    const spec = parseUpdate({ $set: { a: 1 }, $setOnInsert: { created: true } });
    expect(applyUpdate(spec, { _id: 1 }, ctx(true))).toEqual({ _id: 1, a: 1, created: true });
    expect(applyUpdate(spec, { _id: 1 }, ctx(false))).toEqual({ _id: 1, a: 1 });
  });

  it('uses one clock reading for $$NOW and $currentDate, and keeps $literal contents', () => {
    const pipeline = parseUpdate([{ $set: { at: '$$NOW', raw: { $literal: '$$NOW' }, copy: { $literal: '$name' } } }]);
    expect(applyUpdate(pipeline, { _id: 1 }, ctx(false))).toEqual({ _id: 1, at: now, raw: '$$NOW', copy: '$name' });
    expect(applyUpdate(parseUpdate({ $currentDate: { at: true } }), { _id: 1 }, ctx(false))).toEqual({ _id: 1, at: now });
  });

  it('evaluates $mergeObjects, $ifNull, $cond and $$ROOT in pipelines', () => {
    const spec = parseUpdate([
      { $set: { props: { $mergeObjects: [{ $ifNull: ['$props', {}] }, { $literal: { b: 2 } }] } } },
      { $set: { big: { $cond: [{ $gt: ['$n', 5] }, true, false] }, snapshot: '$$ROOT.n' } },
    ]);
    expect(applyUpdate(spec, { _id: 1, n: 9, props: { a: 1 } }, ctx(false))).toEqual({ _id: 1, n: 9, props: { a: 1, b: 2 }, big: true, snapshot: 9 });
  });

  it('keeps _id through replacements and pipelines and refuses to change it (66)', () => {
    expect(applyUpdate(parseUpdate({ x: 1 }), { _id: 'k', y: 2 }, ctx(false))).toEqual({ _id: 'k', x: 1 });
    expect(applyUpdate(parseUpdate([{ $replaceWith: { x: 1 } }]), { _id: 'k' }, ctx(false))).toEqual({ _id: 'k', x: 1 });
    expect(codeOf(() => applyUpdate(parseUpdate({ $set: { _id: 'other' } }), { _id: 'k' }, ctx(false)))).toBe(66);
    expect(codeOf(() => applyUpdate(parseUpdate({ _id: 'other' }), { _id: 'k' }, ctx(false)))).toBe(66);
    expect(applyUpdate(parseUpdate({ $set: { _id: 'k', a: 1 } }), { _id: 'k' }, ctx(false))).toEqual({ _id: 'k', a: 1 });
  });

  it('refuses arithmetic on non-numbers (14)', () => {
    expect(codeOf(() => applyUpdate(parseUpdate({ $inc: { name: 1 } }), { _id: 1, name: 'x' }, ctx(false)))).toBe(14);
    expect(codeOf(() => applyUpdate(parseUpdate({ $inc: { n: 'x' } }), { _id: 1 }, ctx(false)))).toBe(14);
  });

  it('puts _id first and generates an ObjectId when an inserted document has none', () => {
    const doc = applyUpdate(parseUpdate({ $set: { a: 1 } }), { b: 2 }, ctx(true));
    expect(Object.keys(doc)).toEqual(['_id', 'b', 'a']);
    expect(doc['_id']).toBeInstanceOf(ObjectId);
  });
});
