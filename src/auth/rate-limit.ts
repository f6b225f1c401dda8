/**
 * Per-caller rate limits: one token bucket per (caller, method class),
 * refilled lazily from the clock when it is next used, so an idle caller
 * costs nothing and no timer runs. Buckets idle long enough to be full
 * again are dropped, which bounds memory by the callers active recently.
 */
import type { Role } from './roles.ts';

/** Rate (calls per second; 0 = unlimited) and bucket size for one method class. */
export interface BucketRule {
  readonly perSecond: number;
  readonly burst: number;
}

/** What a limiter says about one call. */
export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date, clock milliseconds. */
  at: number;
}

/** How many buckets may be held before idle ones are swept. */
const SWEEP_ABOVE = 10_000;

/**
 * Token buckets keyed by caller and method class. `now` is injected for
 * tests; the default is a monotonic clock.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly rules: Readonly<Partial<Record<Role, BucketRule>>>,
    private readonly now: () => number = () => performance.now(),
    private readonly sweepAbove = SWEEP_ABOVE,
  ) {}

  /** Whether any class is limited at all. */
  get enabled(): boolean {
    return Object.values(this.rules).some((rule) => rule !== undefined && rule.perSecond > 0);
  }

  /** The buckets held now (for tests of the memory bound). */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token from `caller`'s bucket for `methodClass`, or says how long until one is there. */
  take(caller: string, methodClass: Role): RateDecision {
    const rule = this.rules[methodClass];
    if (rule === undefined || rule.perSecond <= 0) return { allowed: true };
    const now = this.now();
    // A NUL cannot appear in a caller's name (metadata and SANs are printable).
    const key = `${methodClass}\0${caller}`;
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.sweepAbove) this.sweep(now);
      bucket = { tokens: rule.burst, at: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(rule.burst, bucket.tokens + ((now - bucket.at) / 1000) * rule.perSecond);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) / rule.perSecond) * 1000) };
  }

  /** Drops every bucket that would be full by now: forgetting it changes nothing. */
  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      const methodClass = key.slice(0, key.indexOf('\0')) as Role;
      const rule = this.rules[methodClass];
      if (rule === undefined) {
        this.buckets.delete(key);
        continue;
      }
      const refilled = bucket.tokens + ((now - bucket.at) / 1000) * rule.perSecond;
      if (refilled >= rule.burst) this.buckets.delete(key);
    }
  }
}

/**
 * The rules from the settings: each class's rate, and a burst of
 * RATE_LIMIT_BURST calls or, when unset, twice the rate (at least 1).
 */
export function bucketRules(settings: {
  readonly readsPerSecond: number;
  readonly writesPerSecond: number;
  readonly adminPerSecond: number;
  readonly burst: number | undefined;
}): Partial<Record<Role, BucketRule>> {
  const rule = (perSecond: number): BucketRule | undefined =>
    perSecond > 0 ? { perSecond, burst: settings.burst ?? Math.max(1, 2 * perSecond) } : undefined;
  const rules: Partial<Record<Role, BucketRule>> = {};
  const reader = rule(settings.readsPerSecond);
  const writer = rule(settings.writesPerSecond);
  const admin = rule(settings.adminPerSecond);
  if (reader !== undefined) rules.reader = reader;
  if (writer !== undefined) rules.writer = writer;
  if (admin !== undefined) rules.admin = admin;
  return rules;
}
