import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Violations } from '../../../src/errors/violations.ts';
import {
  activitiesScope,
  encodeListToken,
  listScope,
  messagesScope,
  readListToken,
} from '../../../src/messages/page-token.ts';

const SCOPE = messagesScope('u1', { channelId: 'feed', seen: false });

/** The position a token reads as, or its one violation's reason. */
function read(token: string, scope = SCOPE): { at: number; id: string } | string {
  const v = new Violations();
  const position = readListToken(token, 'page_token', scope, v);
  const error = v.toError();
  if (error !== undefined) {
    expect(error.violations).toHaveLength(1);
    expect(error.violations[0]?.field).toBe('page_token');
    return error.violations[0]?.reason ?? '';
  }
  if (position === undefined) return expect.fail('no position and no violation');
  return { at: position.at.getTime(), id: position.id };
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
const objectId = fc.stringMatching(/^[0-9a-f]{24}$/);
const time = fc.integer({ min: -8.64e15, max: 8.64e15 });

describe('list page tokens', () => {
  it('round-trip any position for the listing they were issued for (property)', () => {
    fc.assert(
      fc.property(time, objectId, (at, id) => {
        expect(read(encodeListToken({ at: new Date(at), id }, SCOPE))).toEqual({ at, id });
      }),
    );
  });

  it('are opaque base64url and hold no caller value', () => {
    const token = encodeListToken({ at: new Date(0), id: 'a'.repeat(24) }, messagesScope('secret-user', { channelId: 'secret-channel' }));
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    const text = Buffer.from(token, 'base64url').toString('utf8');
    expect(text).not.toContain('secret');
  });

  it('are refused for another listing: other filters, recipient or message', () => {
    const token = encodeListToken({ at: new Date(1), id: 'b'.repeat(24) }, SCOPE);
    for (const scope of [
      messagesScope('u1', { channelId: 'feed' }),
      messagesScope('u1', { channelId: 'feed', seen: true }),
      messagesScope('u2', { channelId: 'feed', seen: false }),
      messagesScope('u1', { seen: false }),
      activitiesScope('b'.repeat(24)),
    ]) {
      expect(read(token, scope)).toBe('INVALID_TOKEN');
    }
  });

  it('tell filters apart that a naive join would not', () => {
    expect(messagesScope('u1', { channelId: 'x' })).not.toBe(messagesScope('u1', {}));
    expect(messagesScope('u1', { read: true })).not.toBe(messagesScope('u1', { seen: true }));
    expect(listScope(['a,b', 'c'])).not.toBe(listScope(['a', 'b,c']));
  });

  it.each([
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['JSON but not an object', b64([1])],
    ['another version', b64({ v: 2, at: 0, id: 'a'.repeat(24), q: SCOPE })],
    ['a time that is not an integer', b64({ v: 1, at: 1.5, id: 'a'.repeat(24), q: SCOPE })],
    ['a time out of range', b64({ v: 1, at: 8.64e15 + 1, id: 'a'.repeat(24), q: SCOPE })],
    ['a time that is a string', b64({ v: 1, at: '0', id: 'a'.repeat(24), q: SCOPE })],
    ['an id that is not an ObjectId', b64({ v: 1, at: 0, id: 'A'.repeat(24), q: SCOPE })],
    ['no scope', b64({ v: 1, at: 0, id: 'a'.repeat(24) })],
    ['too long', 'A'.repeat(600)],
  ])('refuses %s with INVALID_TOKEN', (_why, token) => {
    expect(read(token)).toBe('INVALID_TOKEN');
  });

  it('refuses any tampering with a real token (property)', () => {
    const token = encodeListToken({ at: new Date(1_700_000_000_000), id: 'c'.repeat(24) }, SCOPE);
    fc.assert(
      fc.property(fc.nat({ max: token.length - 1 }), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/='), (at, ch) => {
        fc.pre(token[at] !== ch);
        const tampered = token.slice(0, at) + ch + token.slice(at + 1);
        const outcome = read(tampered);
        // A change either breaks the token or, by chance, still spells our format: never a silent other listing.
        if (typeof outcome !== 'string') expect(encodeListToken({ at: new Date(outcome.at), id: outcome.id }, SCOPE)).toBe(tampered);
        else expect(outcome).toBe('INVALID_TOKEN');
      }),
    );
  });

  it('refuses arbitrary strings (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (token) => {
        expect(read(token)).toBe('INVALID_TOKEN');
      }),
    );
  });
});
