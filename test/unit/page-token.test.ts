import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/app-error.ts';
import { decodePageToken, encodePageToken } from '../../src/users/page-token.ts';

function rejection(token: string): { field: string; reason: string } {
  try {
    decodePageToken(token);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    const [violation, ...rest] = (err as AppError).violations;
    expect(rest).toEqual([]);
    return { field: violation?.field ?? '', reason: violation?.reason ?? '' };
  }
  return expect.fail(`token ${JSON.stringify(token)} was accepted`);
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** User ids the service accepts: 1 to 256 code points, no controls, not blank. */
const userId = fc
  .string({ minLength: 1, maxLength: 256, unit: 'grapheme' })
  .filter(
    (s) =>
      s.trim() !== '' &&
      Array.from(s).length <= 256 &&
      ![...s].some((ch) => {
        const c = ch.charCodeAt(0);
        return c <= 0x1f || (c >= 0x7f && c <= 0x9f);
      }),
  );

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Sets an unused low bit of the last character: Node decodes it to the same bytes. */
function withStrayBit(token: string): string {
  const last = ALPHABET.indexOf(token.slice(-1));
  const altered = token.slice(0, -1) + ALPHABET[last ^ 1];
  expect(Buffer.from(altered, 'base64url')).toEqual(Buffer.from(token, 'base64url'));
  return altered;
}

describe('page tokens', () => {
  it('are opaque base64url', () => {
    const token = encodePageToken('u42');
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(token).not.toContain('u42');
    expect(JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))).toEqual({ v: 1, after: 'u42' });
  });

  it('round-trip for any valid user id (property)', () => {
    fc.assert(fc.property(userId, (id) => decodePageToken(encodePageToken(id)).after === id));
  });

  it.each([
    ['not base64url', 'a+b/c='],
    ['not JSON', b64('nope')],
    ['JSON but not an object', b64('[1]')],
    ['another version', b64('{"v":2,"after":"u1"}')],
    ['no position', b64('{"v":1}')],
    ['a position that is not a string', b64('{"v":1,"after":7}')],
    ['an empty position', b64('{"v":1,"after":""}')],
    ['a position with a control character', b64('{"v":1,"after":"u\\u0000"}')],
    ['a non-canonical encoding (same bytes, stray bits set)', withStrayBit(encodePageToken('u1'))],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')],
    ['too long', 'A'.repeat(4096)],
  ])('rejects %s with page_token / INVALID_TOKEN', (_why, token) => {
    expect(rejection(token)).toEqual({ field: 'page_token', reason: 'INVALID_TOKEN' });
  });

  it('rejects arbitrary strings that are not tokens (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (token) => {
        let decoded: { after: string } | undefined;
        try {
          decoded = decodePageToken(token);
        } catch (err) {
          expect(err).toBeInstanceOf(AppError);
          return;
        }
        // Only a real token decodes: re-encoding gives the same string back.
        expect(encodePageToken(decoded.after)).toBe(token);
      }),
    );
  });
});
