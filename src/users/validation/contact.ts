import { domainToASCII } from 'node:url';
import { hasControlOrLoneSurrogate } from './strings.ts';
import { codePoints, quote, type Violations } from '../../errors/violations.ts';

/** RFC 5321: a path is at most 256 octets, so an address at most 254. */
export const MAX_EMAIL = 254;
/** RFC 5321 §4.5.3.1.1. */
export const MAX_EMAIL_LOCAL = 64;
/** The proto's limit for avatar URLs. */
export const MAX_URL = 2048;
/** Longest locale tag accepted (BCP 47 asks implementations for 35 at least). */
export const MAX_LOCALE = 64;

/** RFC 5322 atext plus "." (dot-atom); quoted local parts are not accepted. */
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Why `value` is not a practical email address, or undefined when it is. */
export function emailProblem(value: string): string | undefined {
  if (codePoints(value) > MAX_EMAIL) return `is longer than ${MAX_EMAIL} characters`;
  const at = value.indexOf('@');
  if (at < 0) return 'there is no "@"';
  if (value.indexOf('@', at + 1) >= 0) return 'there is more than one "@"';
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local === '') return 'the part before "@" is missing';
  if (domain === '') return 'the domain is missing';
  if (local.length > MAX_EMAIL_LOCAL) return `the part before "@" is longer than ${MAX_EMAIL_LOCAL} characters`;
  if (!LOCAL_PART.test(local)) {
    return 'the part before "@" may only hold letters, digits and !#$%&\'*+/=?^_`{|}~- separated by single dots';
  }
  if (hasControlOrLoneSurrogate(domain) || /\s/.test(domain)) return 'the domain contains spaces or control characters';
  const ascii = domainToASCII(domain);
  if (ascii === '') return 'the domain is not a valid host name';
  const labels = ascii.split('.');
  if (labels.length < 2) return 'the domain needs at least two labels, e.g. "example.com"';
  if (labels.some((label) => !DNS_LABEL.test(label))) {
    return 'each domain label must be 1 to 63 letters, digits or "-", not starting or ending with "-"';
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '')) return 'the top-level domain is all digits';
  return undefined;
}

/**
 * An email address: a dot-atom local part (ASCII, kept as given: local
 * parts may be case-sensitive) "@" a DNS domain of two or more labels
 * (internationalised names allowed, checked in their ASCII form), lower-cased
 * because domains are case-insensitive. Quoted local parts, IP literals and
 * single-label domains are rejected: no one sends notifications to them.
 */
export function checkEmail(value: string, field: string, v: Violations): string | undefined {
  const problem = emailProblem(value);
  if (problem !== undefined) {
    v.add(field, 'INVALID_EMAIL', `${quote(value)} is not an email address: ${problem}`);
    return undefined;
  }
  const at = value.indexOf('@');
  return `${value.slice(0, at)}@${value.slice(at + 1).toLowerCase()}`;
}

/**
 * An absolute http(s) URL without user name or password (they would leak to
 * everyone shown the avatar), at most 2048 characters, without surrounding
 * whitespace or control characters. Stored as given.
 */
export function checkAvatar(value: string, field: string, v: Violations): string | undefined {
  const bad = (why: string): undefined => {
    v.add(field, 'INVALID_URL', `${quote(value)} is not an absolute http(s) URL: ${why}`);
    return undefined;
  };
  if (value.length > MAX_URL) {
    v.add(field, 'TOO_LONG', `must be at most ${MAX_URL} characters, got ${value.length}`);
    return undefined;
  }
  if (hasControlOrLoneSurrogate(value) || /\s/.test(value)) return bad('it contains whitespace or control characters');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return bad('it does not parse as a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return bad(`the scheme is ${quote(url.protocol.slice(0, -1))}`);
  if (url.username !== '' || url.password !== '') return bad('it contains a user name or password');
  return value;
}

/** E.164: "+", a non-zero digit, then 1 to 14 more ASCII digits. */
export const E164 = /^\+[1-9][0-9]{1,14}$/;

/** A phone number in E.164 form, stored as given. */
export function checkPhone(value: string, field: string, v: Violations): string | undefined {
  if (E164.test(value)) return value;
  v.add(field, 'INVALID_E164', `${quote(value)} is not an E.164 phone number ("+" then 2 to 15 digits, e.g. "+14155550123")`);
  return undefined;
}

/**
 * The stored form of an IANA time zone name, or undefined when the runtime
 * does not know it. Acceptance is whatever `Intl.DateTimeFormat` takes, so
 * that aliases ("UTC", "Etc/UTC", "Europe/Kyiv", "US/Eastern") work: Node
 * 20's `Intl.supportedValuesOf('timeZone')` lists only canonical names and
 * leaves out even "UTC". An alias is kept as sent; a name that differs from
 * its canonical form only in case gets the canonical case, because other
 * runtimes (Go, glibc) look zone names up case-sensitively. UTC offsets such
 * as "+01:00", which newer engines accept, are not IANA names and are
 * rejected.
 */
export function canonicalTimeZone(value: string): string | undefined {
  if (value === '' || value.length > 64 || /^[+\-\u2212]/.test(value)) return undefined;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
  return resolved.toLowerCase() === value.toLowerCase() ? resolved : value;
}

export function checkTimeZone(value: string, field: string, v: Violations): string | undefined {
  const zone = canonicalTimeZone(value);
  if (zone === undefined) {
    v.add(field, 'UNKNOWN_TIMEZONE', `${quote(value)} is not an IANA time zone name, e.g. "Europe/Paris" or "UTC"`);
  }
  return zone;
}

/** A BCP 47 tag, returned in canonical form ("EN-us" → "en-US"). */
export function checkLocale(value: string, field: string, v: Violations): string | undefined {
  if (value.length > MAX_LOCALE) {
    v.add(field, 'TOO_LONG', `must be at most ${MAX_LOCALE} characters, got ${value.length}`);
    return undefined;
  }
  try {
    const [canonical] = Intl.getCanonicalLocales(value);
    if (canonical !== undefined) return canonical;
  } catch {
    // fall through to the violation
  }
  v.add(field, 'INVALID_LOCALE', `${quote(value)} is not a BCP 47 language tag, e.g. "en-US" or "fr-CA"`);
  return undefined;
}
