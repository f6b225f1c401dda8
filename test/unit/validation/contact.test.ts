import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateIdentifyUser } from '../../../src/users/validation/identify.ts';
import { canonicalTimeZone, E164, emailProblem } from '../../../src/users/validation/contact.ts';
import { identifyRequest, pairsOf, violationsOf } from './helpers.ts';

const profileOf = (fields: Parameters<typeof identifyRequest>[0]) => validateIdentifyUser(identifyRequest(fields)).profile;

describe('email', () => {
  it.each(['ada@example.com', 'a.b+tag@sub.example.co.uk', "o'hara@example.ie", 'x@xn--mnchen-3ya.de', 'a@b.io'])(
    'accepts %s',
    (email) => {
      expect(emailProblem(email)).toBeUndefined();
    },
  );

  it('lower-cases the domain only and keeps the local part', () => {
    expect(profileOf({ email: 'Ada.L@Example.COM' }).email).toBe('Ada.L@example.com');
  });

  it('accepts an internationalised domain', () => {
    expect(profileOf({ email: 'ada@München.de' }).email).toBe('ada@münchen.de');
  });

  it.each([
    ['ada@', 'the domain is missing'],
    ['@example.com', 'the part before "@" is missing'],
    ['ada.example.com', 'there is no "@"'],
    ['a@b@example.com', 'there is more than one "@"'],
    ['ada@localhost', 'at least two labels'],
    ['.ada@example.com', 'separated by single dots'],
    ['ada..l@example.com', 'separated by single dots'],
    ['ada l@example.com', 'separated by single dots'],
    ['ada@exa mple.com', 'spaces'],
    ['ada@-example.com', 'each domain label'],
    ['ada@example..com', 'each domain label'],
    ['ada@1.2.3.4', 'all digits'],
    [`${'a'.repeat(65)}@example.com`, 'longer than 64'],
    [`a@${'b'.repeat(250)}.com`, 'longer than 254'],
  ])('rejects %s: %s', (email, why) => {
    const [violation] = violationsOf(() => profileOf({ email }));
    expect(violation?.field).toBe('email');
    expect(violation?.reason).toBe('INVALID_EMAIL');
    expect(violation?.description).toContain(why);
  });

  it('describes the problem with the value quoted', () => {
    const [violation] = violationsOf(() => profileOf({ email: 'ada@' }));
    expect(violation?.description).toBe('"ada@" is not an email address: the domain is missing');
  });

  it('may not be removed with ""', () => {
    expect(pairsOf(() => profileOf({ email: '' }))).toEqual([['email', 'REQUIRED']]);
  });
});

describe('name', () => {
  it('accepts 1 to 256 characters, counting code points', () => {
    expect(profileOf({ name: 'Ada Lovelace' }).name).toBe('Ada Lovelace');
    expect(profileOf({ name: '😀'.repeat(256) }).name).toHaveLength(512);
  });

  it.each([
    ['', 'REQUIRED'],
    ['   ', 'REQUIRED'],
    ['a'.repeat(257), 'TOO_LONG'],
    ['Ada\nLovelace', 'INVALID_CHARACTERS'],
    ['Ada\u0085', 'INVALID_CHARACTERS'],
  ])('rejects %j with %s', (name, reason) => {
    expect(pairsOf(() => profileOf({ name }))).toEqual([['name', reason]]);
  });
});

describe('avatar', () => {
  it('accepts absolute http(s) URLs as given, and "" as removal', () => {
    expect(profileOf({ avatar: 'https://cdn.example.com/a.png?s=64' }).avatar).toBe('https://cdn.example.com/a.png?s=64');
    expect(profileOf({ avatar: 'http://example.com' }).avatar).toBe('http://example.com');
    expect(profileOf({ avatar: '' }).avatar).toBeNull();
  });

  it.each([
    ['/relative.png', 'INVALID_URL'],
    ['ftp://example.com/a.png', 'INVALID_URL'],
    ['javascript:alert(1)', 'INVALID_URL'],
    ['https://user:pw@example.com/a.png', 'INVALID_URL'],
    [' https://example.com/a.png', 'INVALID_URL'],
    [`https://example.com/${'a'.repeat(2048)}`, 'TOO_LONG'],
  ])('rejects %s with %s', (avatar, reason) => {
    expect(pairsOf(() => profileOf({ avatar }))).toEqual([['avatar', reason]]);
  });

  it('never quotes more than 64 characters of the value', () => {
    const [violation] = violationsOf(() => profileOf({ avatar: `ftp://${'z'.repeat(500)}` }));
    expect(violation?.description).not.toContain('z'.repeat(65));
    expect(violation?.description).toContain('(506 characters)');
  });
});

describe('phone_number', () => {
  it('accepts E.164 and "" as removal', () => {
    expect(profileOf({ phoneNumber: '+14155550123' }).phoneNumber).toBe('+14155550123');
    expect(profileOf({ phoneNumber: '' }).phoneNumber).toBeNull();
  });

  it.each(['14155550123', '+0123', '+1', '+1234567890123456', '+1 415 555 0123', '+١٢٣٤'])('rejects %s', (phoneNumber) => {
    expect(pairsOf(() => profileOf({ phoneNumber }))).toEqual([['phone_number', 'INVALID_E164']]);
  });

  it('accepts any string matching the E.164 pattern (property)', () => {
    const e164 = fc
      .tuple(fc.integer({ min: 1, max: 9 }), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 14 }))
      .map(([first, rest]) => `+${first}${rest.join('')}`);
    fc.assert(fc.property(e164, (phoneNumber) => profileOf({ phoneNumber }).phoneNumber === phoneNumber));
  });

  it('rejects any such number with a non-digit inserted (property)', () => {
    const input = fc.tuple(
      fc.stringMatching(/^\+[1-9][0-9]{1,13}$/),
      fc.string({ minLength: 1, maxLength: 1 }).filter((c) => !/[0-9]/.test(c)),
      fc.nat(),
    );
    fc.assert(
      fc.property(input, ([phone, bad, at]) => {
        const i = 1 + (at % phone.length);
        const phoneNumber = phone.slice(0, i) + bad + phone.slice(i);
        expect(E164.test(phoneNumber)).toBe(false);
        expect(pairsOf(() => profileOf({ phoneNumber }))).toEqual([['phone_number', 'INVALID_E164']]);
      }),
    );
  });
});

describe('timezone', () => {
  it.each([
    ['Europe/Paris', 'Europe/Paris'],
    ['UTC', 'UTC'],
    ['Etc/UTC', 'Etc/UTC'],
    ['America/Argentina/Buenos_Aires', 'America/Argentina/Buenos_Aires'],
    ['Asia/Kolkata', 'Asia/Kolkata'],
    ['Europe/Kyiv', 'Europe/Kyiv'],
    ['europe/paris', 'Europe/Paris'],
    ['utc', 'UTC'],
  ])('accepts %s and stores %s', (input, stored) => {
    expect(canonicalTimeZone(input)).toBe(stored);
    expect(profileOf({ timezone: input }).timezone).toBe(stored);
  });

  it('accepts every zone the runtime lists (property over the list)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...Intl.supportedValuesOf('timeZone')), (zone) => canonicalTimeZone(zone) === zone),
    );
  });

  it.each(['Mars/Olympus', '+01:00', '-05:00', 'Europe/Paris ', 'Paris'])('rejects %j', (timezone) => {
    expect(pairsOf(() => profileOf({ timezone }))).toEqual([['timezone', 'UNKNOWN_TIMEZONE']]);
  });

  it('removes with ""', () => {
    expect(profileOf({ timezone: '' }).timezone).toBeNull();
  });
});

describe('locale', () => {
  it.each([
    ['en-US', 'en-US'],
    ['EN-us', 'en-US'],
    ['zh-hant-tw', 'zh-Hant-TW'],
    ['fr', 'fr'],
  ])('stores %s as %s', (locale, stored) => {
    expect(profileOf({ locale }).locale).toBe(stored);
  });

  it.each([
    ['en_US', 'INVALID_LOCALE'],
    ['not a locale', 'INVALID_LOCALE'],
    ['x', 'INVALID_LOCALE'],
    [`en-${'a'.repeat(70)}`, 'TOO_LONG'],
  ])('rejects %s with %s', (locale, reason) => {
    expect(pairsOf(() => profileOf({ locale }))).toEqual([['locale', reason]]);
  });

  it('removes with ""', () => {
    expect(profileOf({ locale: '' }).locale).toBeNull();
  });
});
