/**
 * A bounded wait on an event, for tests. The bound only keeps a failing
 * test from hanging, or watches for something that must not happen: a
 * passing test that waits for an event never reaches it.
 */

/** What {@link within} gives when the promise has not settled in time. */
export const TIMED_OUT = 'still pending' as const;

/** `promise`'s value, or TIMED_OUT when it has not settled within `ms`. */
export async function within<T>(ms: number, promise: Promise<T>): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
