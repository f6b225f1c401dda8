import { AppError, type FieldViolation } from './app-error.ts';
import type { ViolationReason } from './violation-reasons.ts';

/**
 * How many violations one request may collect. Enough for any honest
 * request to see every problem at once; bounds the work and the error size
 * for a hostile one (the rest are counted, not listed).
 */
export const MAX_VIOLATIONS = 100;

/** How much of a caller's value a description may quote. */
export const MAX_QUOTED_CHARS = 64;

/** Collects every problem of one request, then throws them together. */
export class Violations {
  readonly #list: FieldViolation[] = [];
  #omitted = 0;

  add(field: string, reason: ViolationReason, description: string): void {
    if (this.#list.length < MAX_VIOLATIONS) this.#list.push({ field, reason, description });
    else this.#omitted += 1;
  }

  get count(): number {
    return this.#list.length + this.#omitted;
  }

  /** `AppError.invalid` with everything collected, or undefined when nothing was. */
  toError(): AppError | undefined {
    return this.count > 0 ? AppError.invalid(this.#list, this.#omitted) : undefined;
  }

  /** Throws `AppError.invalid` when anything was collected. */
  throwIfAny(): void {
    const error = this.toError();
    if (error !== undefined) throw error;
  }
}

/**
 * A caller's string as a JSON literal, cut to {@link MAX_QUOTED_CHARS}
 * code points so that a description never carries a whole large value.
 */
export function quote(value: string): string {
  const points = Array.from(value);
  if (points.length <= MAX_QUOTED_CHARS) return JSON.stringify(value);
  return `${JSON.stringify(points.slice(0, MAX_QUOTED_CHARS).join(''))}… (${points.length} characters)`;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `properties.plan` for short identifier-like keys, `properties["a b"]`
 * otherwise (cut like {@link quote} when long).
 */
export function objectPath(parent: string, key: string): string {
  return key.length <= MAX_QUOTED_CHARS && IDENTIFIER.test(key) ? `${parent}.${key}` : mapPath(parent, key);
}

/** `workflows["new-comment"]`: how a map entry is named in a field path. */
export function mapPath(parent: string, key: string): string {
  const points = Array.from(key);
  const shown = points.length <= MAX_QUOTED_CHARS ? key : `${points.slice(0, MAX_QUOTED_CHARS).join('')}…`;
  return `${parent}[${JSON.stringify(shown)}]`;
}

/** Length in Unicode code points: what the API calls "characters". */
export function codePoints(value: string): number {
  let n = 0;
  for (let i = 0; i < value.length; i += 1, n += 1) {
    const c = value.charCodeAt(i);
    const next = value.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i += 1;
  }
  return n;
}
