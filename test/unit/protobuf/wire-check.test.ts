/**
 * The strict wire check refuses nothing a well-behaved encoder writes: any
 * request the generated encoder produces from valid-shaped values passes
 * with no violation, so strictness never costs an honest caller.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../../../src/protobuf/own-proto-keys.ts';
import { Violations } from '../../../src/errors/violations.ts';
import {
  IdentifyUserRequest,
  ListUsersRequest,
  SetPreferencesRequest,
} from '../../../src/gen/herald/users/v1/users_service.js';
import { apiRegistry } from '../../../src/protobuf/descriptors.ts';
import { checkWire, MAX_JSON_DEPTH } from '../../../src/protobuf/wire-check.ts';

const registry = apiRegistry();

function problems(typeName: string, bytes: Uint8Array): string[] {
  const desc = registry.getMessage(typeName);
  if (desc === undefined) throw new Error(`no ${typeName}`);
  const v = new Violations();
  checkWire(desc, bytes, new Map(), v);
  const error = v.toError();
  return error === undefined ? [] : error.violations.map((x) => `${x.field}: ${x.reason}`);
}

/** Strings without lone surrogates: the encoder would turn those into U+FFFD, which is valid. */
const text = fc.string({ unit: 'grapheme', maxLength: 20 });
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    text,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('checkWire on what the generated encoder writes', () => {
  it('finds nothing wrong with any IdentifyUserRequest', () => {
    fc.assert(
      fc.property(
        fc.record({
          userId: text,
          name: fc.option(text, { nil: undefined }),
          properties: fc.option(fc.dictionary(fc.oneof(text, fc.constant('__proto__')), json, { maxKeys: 5 }), { nil: undefined }),
          unsetProperties: fc.array(text, { maxLength: 3 }),
          // From 1970: ts-proto's encoder writes negative nanos for earlier
          // times, which the Timestamp definition forbids (and this check refuses).
          createdAt: fc.option(fc.date({ min: new Date(0), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), { nil: undefined }),
          channelData: fc.array(fc.record({ channelId: text, data: fc.dictionary(text, json, { maxKeys: 3 }) }), { maxLength: 3 }),
          traitMode: fc.integer({ min: 0, max: 5 }),
        }),
        (partial) => {
          const bytes = IdentifyUserRequest.encode(IdentifyUserRequest.fromPartial(partial as never)).finish();
          expect(problems('herald.users.v1.IdentifyUserRequest', bytes)).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('finds nothing wrong with preference maps or a list request', () => {
    fc.assert(
      fc.property(
        fc.dictionary(text, fc.boolean(), { maxKeys: 4 }),
        fc.dictionary(text, fc.record({ enabled: fc.option(fc.boolean(), { nil: undefined }), channelTypes: fc.dictionary(text, fc.boolean(), { maxKeys: 3 }) }), { maxKeys: 4 }),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        (channelTypes, workflows, pageSize) => {
          const set = SetPreferencesRequest.encode(SetPreferencesRequest.fromPartial({ userId: 'u', preferenceSet: { id: 'x', channelTypes, workflows } })).finish();
          expect(problems('herald.users.v1.SetPreferencesRequest', set)).toEqual([]);
          const list = ListUsersRequest.encode({ pageSize, pageToken: 't' }).finish();
          expect(problems('herald.users.v1.ListUsersRequest', list)).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('stops at its JSON depth with TOO_DEEP, however deep the bytes go', () => {
    let nested: unknown = 'leaf';
    for (let i = 0; i < 2_000; i += 1) nested = [nested];
    const bytes = IdentifyUserRequest.encode(IdentifyUserRequest.fromPartial({ userId: 'u', properties: { a: nested } })).finish();
    const found = problems('herald.users.v1.IdentifyUserRequest', bytes);
    expect(found).toEqual([`properties.a${'[0]'.repeat(MAX_JSON_DEPTH - 1)}: TOO_DEEP`]);
  });
});

describe('checkWire on bytes that run past their own length', () => {
  it('finds a map value whose varint runs past its entry (found by the fuzz test: the generated decoder then read the rest out of step)', () => {
    // user_id "u", preference_set { id "ops", channel_types { "push": varint 0x81 0x1a }, ... }:
    // the entry's length (8) ends after 0x81, so the varint's second byte belongs to the set.
    const entry = [10, 4, 112, 117, 115, 104, 16, 129];
    const rest = [26, 22, 10, 6, 100, 101, 112, 108, 111, 121, 18, 12, 8, 1, 18, 8, 10, 4, 99, 104, 97, 116, 16, 1];
    const set = [10, 3, 111, 112, 115, 18, entry.length, ...entry, ...rest];
    const bytes = Uint8Array.from([10, 1, 117, 18, set.length, ...set]);
    expect(() => SetPreferencesRequest.decode(bytes)).toThrow();
    expect(problems('herald.users.v1.SetPreferencesRequest', bytes).map((p) => p.split(': ')[1])).toEqual(['MALFORMED']);
  });
});
