import { describe, expect, it } from 'vitest';
import { bucketRules, RateLimiter } from '../../../src/auth/rate-limit.ts';

function clock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('RateLimiter (token bucket per caller and method class)', () => {
  it('allows a burst, then refuses with the time until the next token', () => {
    const time = clock();
    const limiter = new RateLimiter({ reader: { perSecond: 2, burst: 3 } }, time.now);
    expect([1, 2, 3].map(() => limiter.take('a', 'reader').allowed)).toEqual([true, true, true]);
    expect(limiter.take('a', 'reader')).toEqual({ allowed: false, retryAfterMs: 500 });
    time.advance(499);
    expect(limiter.take('a', 'reader').allowed).toBe(false);
    time.advance(1);
    expect(limiter.take('a', 'reader').allowed).toBe(true);
  });

  it('keeps callers and method classes apart, and leaves unlimited classes alone', () => {
    const time = clock();
    const limiter = new RateLimiter({ reader: { perSecond: 1, burst: 1 }, admin: { perSecond: 1, burst: 1 } }, time.now);
    expect(limiter.take('a', 'reader').allowed).toBe(true);
    expect(limiter.take('a', 'reader').allowed).toBe(false);
    expect(limiter.take('b', 'reader').allowed).toBe(true);
    expect(limiter.take('a', 'admin').allowed).toBe(true);
    for (let i = 0; i < 100; i += 1) expect(limiter.take('a', 'writer').allowed).toBe(true);
  });

  it('refills no higher than the burst', () => {
    const time = clock();
    const limiter = new RateLimiter({ writer: { perSecond: 10, burst: 2 } }, time.now);
    time.advance(60_000);
    expect([1, 2, 3].map(() => limiter.take('a', 'writer').allowed)).toEqual([true, true, false]);
  });

  it('drops buckets that are full again, so memory follows the callers active lately', () => {
    const time = clock();
    const limiter = new RateLimiter({ reader: { perSecond: 10, burst: 10 } }, time.now, 100);
    for (let i = 0; i < 100; i += 1) limiter.take(`caller-${i}`, 'reader');
    expect(limiter.size).toBe(100);
    time.advance(1_000);
    limiter.take('newcomer', 'reader');
    expect(limiter.size).toBe(1);
  });

  it('is off with every rate at 0 (the default)', () => {
    expect(new RateLimiter(bucketRules({ readsPerSecond: 0, writesPerSecond: 0, adminPerSecond: 0, burst: undefined })).enabled).toBe(false);
  });

  it('bursts twice the rate unless RATE_LIMIT_BURST says otherwise', () => {
    expect(bucketRules({ readsPerSecond: 5, writesPerSecond: 0, adminPerSecond: 1, burst: undefined })).toEqual({
      reader: { perSecond: 5, burst: 10 },
      admin: { perSecond: 1, burst: 2 },
    });
    expect(bucketRules({ readsPerSecond: 5, writesPerSecond: 2, adminPerSecond: 0, burst: 7 })).toEqual({
      reader: { perSecond: 5, burst: 7 },
      writer: { perSecond: 2, burst: 7 },
    });
  });
});
