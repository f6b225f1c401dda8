/**
 * The caller's deadline, carried from the gRPC edge to every MongoDB
 * operation the call makes, so that work stops when nobody waits for it any
 * more: a transaction retrying write conflicts, a slow query. The transport
 * sets it once per call; the stores read it for each operation.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const deadlines = new AsyncLocalStorage<number>();

/**
 * Runs `work` with `deadline` (epoch milliseconds) as the current deadline.
 * An infinite or missing deadline runs it with none.
 */
export function withDeadline<T>(deadline: number | undefined, work: () => Promise<T>): Promise<T> {
  if (deadline === undefined || !Number.isFinite(deadline)) return work();
  return deadlines.run(deadline, work);
}

/**
 * Runs `work` outside the current deadline: for work a call starts but
 * that must go on after the call has ended (a merge's history move).
 */
export function withoutDeadline<T>(work: () => Promise<T>): Promise<T> {
  return deadlines.exit(work);
}

/**
 * Runs `work` with a deadline `ms` from now, or the current one when that
 * is sooner: for work that is part of a call but must be bounded on its
 * own (one batch of a long stream).
 */
export function withTimeLimit<T>(ms: number, work: () => Promise<T>): Promise<T> {
  return deadlines.run(Math.min(deadlines.getStore() ?? Infinity, Date.now() + ms), work);
}

/**
 * The driver's `timeoutMS` for an operation starting now: the time left
 * until the current deadline (at least 1 ms, as 0 would mean "no limit"), or
 * undefined when the call has no deadline.
 */
export function remainingTimeoutMS(): number | undefined {
  const deadline = deadlines.getStore();
  return deadline === undefined ? undefined : Math.max(1, Math.floor(deadline - Date.now()));
}

/** `{ timeoutMS }` for an operation outside a transaction, or `{}` without a deadline. */
export function timeoutOptions(): { timeoutMS?: number } {
  const timeoutMS = remainingTimeoutMS();
  return timeoutMS === undefined ? {} : { timeoutMS };
}
