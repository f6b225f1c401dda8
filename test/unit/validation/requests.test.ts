import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors/app-error.ts';
import { encodePageToken } from '../../../src/users/page-token.ts';
import {
  validateChannelRef,
  validateListUsers,
  validatePreferenceSetRef,
  validateSetChannelData,
  validateSetPreferences,
  validateUserRef,
} from '../../../src/users/validation/index.ts';
import { pairsOf } from './helpers.ts';

describe('validateUserRef', () => {
  it('returns a valid id and reports under the field it is given', () => {
    expect(validateUserRef('u1')).toBe('u1');
    expect(pairsOf(() => validateUserRef(''))).toEqual([['user_id', 'REQUIRED']]);
    expect(pairsOf(() => validateUserRef('', 'source_user_id'))).toEqual([['source_user_id', 'REQUIRED']]);
  });

  it('refuses ids made only of invisible characters, and keeps any other id exactly', () => {
    for (const blank of [' ', '\u00a0\u3000', '\u200b', '\u2060\ufeff', '\u200e\u200f', '\u00ad']) {
      expect(pairsOf(() => validateUserRef(blank))).toEqual([['user_id', 'REQUIRED']]);
    }
    // Not normalized, not trimmed: each of these is its own user.
    expect(validateUserRef('e\u0301')).toBe('e\u0301');
    expect(validateUserRef('\u00e9')).toBe('\u00e9');
    expect(validateUserRef(' u1')).toBe(' u1');
    expect(validateUserRef('a\u200bb')).toBe('a\u200bb');
  });
});

describe('validateChannelRef', () => {
  it('checks both ids at once', () => {
    expect(validateChannelRef({ userId: 'u1', channelId: 'apns' })).toEqual({ userId: 'u1', channelId: 'apns' });
    expect(pairsOf(() => validateChannelRef({ userId: '', channelId: 'a/b' }))).toEqual([
      ['user_id', 'REQUIRED'],
      ['channel_id', 'INVALID_CHARACTERS'],
    ]);
  });
});

describe('validateSetChannelData', () => {
  it('turns a request into a command', () => {
    expect(
      validateSetChannelData({ userId: 'u1', channelId: 'slack', data: { connections: [{ user_id: 'U1' }] }, expectedVersion: 'v1' }),
    ).toEqual({ userId: 'u1', channelId: 'slack', data: { connections: [{ user_id: 'U1' }] }, expectedVersion: 'v1' });
  });

  it('requires data and checks its keys, size and the version', () => {
    expect(pairsOf(() => validateSetChannelData({ userId: 'u1', channelId: 'c', data: undefined }))).toEqual([
      ['data', 'REQUIRED'],
    ]);
    expect(
      pairsOf(() => validateSetChannelData({ userId: 'u1', channelId: 'c', data: { 'a.b': 1 }, expectedVersion: '' })),
    ).toEqual([
      ['data["a.b"]', 'INVALID_KEY'],
      ['expected_version', 'INVALID_TOKEN'],
    ]);
    expect(pairsOf(() => validateSetChannelData({ userId: 'u1', channelId: 'c', data: { s: 'x'.repeat(16 * 1024) } }))).toEqual([
      ['data', 'TOO_LARGE'],
    ]);
  });
});

describe('validatePreferenceSetRef', () => {
  it('defaults an empty set id to "default"', () => {
    expect(validatePreferenceSetRef({ userId: 'u1', preferenceSetId: '' })).toEqual({ userId: 'u1', setId: 'default' });
    expect(validatePreferenceSetRef({ userId: 'u1', preferenceSetId: 'tenant:1' })).toEqual({ userId: 'u1', setId: 'tenant:1' });
    expect(pairsOf(() => validatePreferenceSetRef({ userId: 'u1', preferenceSetId: 'x'.repeat(129) }))).toEqual([
      ['preference_set_id', 'TOO_LONG'],
    ]);
  });
});

describe('validateSetPreferences', () => {
  const set = { id: '', channelTypes: { push: false }, workflows: {}, categories: {}, updatedAt: new Date(), version: 'x' };

  it('ignores updated_at and version and names the set', () => {
    expect(validateSetPreferences({ userId: 'u1', preferenceSet: set })).toEqual({
      userId: 'u1',
      set: { id: 'default', channelTypes: { push: false }, workflows: {}, categories: {} },
    });
  });

  it('requires the set', () => {
    expect(pairsOf(() => validateSetPreferences({ userId: 'u1', preferenceSet: undefined }))).toEqual([
      ['preference_set', 'REQUIRED'],
    ]);
  });

  it('reports problems under preference_set', () => {
    expect(
      pairsOf(() =>
        validateSetPreferences({ userId: 'u1', preferenceSet: { ...set, channelTypes: { pigeon: true } }, expectedVersion: '!' }),
      ),
    ).toEqual([
      ['preference_set.channel_types["pigeon"]', 'UNKNOWN_CHANNEL_TYPE'],
      ['expected_version', 'INVALID_TOKEN'],
    ]);
  });
});

describe('validateListUsers', () => {
  it.each([
    [0, 50],
    [1, 1],
    [1000, 1000],
  ])('page_size %i gives %i', (pageSize, expected) => {
    expect(validateListUsers({ pageSize, pageToken: '' })).toEqual({ pageSize: expected });
  });

  it.each([-1, 1001, 2 ** 31 - 1])('rejects page_size %i rather than clamping it', (pageSize) => {
    expect(pairsOf(() => validateListUsers({ pageSize, pageToken: '' }))).toEqual([['page_size', 'OUT_OF_RANGE']]);
  });

  it('decodes the page token into the position', () => {
    expect(validateListUsers({ pageSize: 10, pageToken: encodePageToken('u42') })).toEqual({ pageSize: 10, after: 'u42' });
  });

  it('reports a bad size and a bad token together', () => {
    expect(pairsOf(() => validateListUsers({ pageSize: -5, pageToken: 'garbage!' }))).toEqual([
      ['page_size', 'OUT_OF_RANGE'],
      ['page_token', 'INVALID_TOKEN'],
    ]);
  });

  it('throws AppError, not anything else', () => {
    expect(() => validateListUsers({ pageSize: -1, pageToken: '' })).toThrow(AppError);
  });
});
