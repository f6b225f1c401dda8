import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { API_KEY_PREFIX, bearerKey, hashApiKey, newApiKey } from '../../../src/auth/api-keys.ts';

describe('newApiKey', () => {
  it('is the prefix and 32 random bytes in base64url', () => {
    const key = newApiKey();
    expect(key.startsWith(API_KEY_PREFIX)).toBe(true);
    expect(key).toMatch(/^hk_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice(API_KEY_PREFIX.length), 'base64url')).toHaveLength(32);
  });

  it('never repeats', () => {
    const keys = new Set(Array.from({ length: 1000 }, () => newApiKey()));
    expect(keys.size).toBe(1000);
  });
});

describe('hashApiKey', () => {
  it('is the SHA-256 of the key in lowercase hex', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashApiKey(newApiKey())).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('bearerKey', () => {
  it('reads the key after the scheme, in any case of the scheme', () => {
    expect(bearerKey(['Bearer hk_abc-_.~+/=='])).toBe('hk_abc-_.~+/==');
    expect(bearerKey(['bearer hk_abc'])).toBe('hk_abc');
    expect(bearerKey(['BEARER hk_abc'])).toBe('hk_abc');
    expect(bearerKey(['Bearer   hk_abc '])).toBe('hk_abc');
    expect(bearerKey([Buffer.from('Bearer hk_abc')])).toBe('hk_abc');
  });

  it.each([
    ['no header', []],
    ['two headers', ['Bearer hk_a', 'Bearer hk_b']],
    ['another scheme', ['Basic dXNlcjpwYXNz']],
    ['the scheme alone', ['Bearer']],
    ['the scheme and a space', ['Bearer ']],
    ['no space after the scheme', ['Bearerhk_abc']],
    ['a key with a space in it', ['Bearer hk_a bc']],
    ['a key with a comma', ['Bearer hk_a,bc']],
    ['a quoted key', ['Bearer "hk_abc"']],
    ['a key alone', ['hk_abc']],
    ['an empty value', ['']],
  ] as [string, (string | Buffer)[]][])('is undefined for %s', (_, values) => {
    expect(bearerKey(values)).toBeUndefined();
  });

  it('gives back every key newApiKey makes, whatever the scheme\'s case', () => {
    const scheme = fc.constantFrom('Bearer', 'bearer', 'BEARER', 'bEaReR');
    fc.assert(
      fc.property(scheme, fc.integer({ min: 1, max: 4 }), (name, spaces) => {
        const key = newApiKey();
        expect(bearerKey([`${name}${' '.repeat(spaces)}${key}`])).toBe(key);
      }),
    );
  });
});
