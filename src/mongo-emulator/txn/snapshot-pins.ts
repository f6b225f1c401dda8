/**
 * Cluster times kept readable for snapshot reads outside transactions.
 * MongoDB keeps history for minSnapshotHistoryWindowInSeconds (300 s by
 * default), so the later reads of a snapshot session, which name the time of
 * its first read, see the same state. The emulator keeps versions only for
 * such pins and for open transactions.
 */

/** MongoDB's default minSnapshotHistoryWindowInSeconds. */
export const SNAPSHOT_HISTORY_MS = 300_000;

/** Pinned snapshot times and until when (ms) each stays pinned. */
export class SnapshotPins {
  readonly #until = new Map<number, number>();

  /** Keeps `ts` readable for the history window from `now`. */
  pin(ts: number, now = Date.now()): void {
    this.#until.set(ts, Math.max(this.#until.get(ts) ?? 0, now + SNAPSHOT_HISTORY_MS));
  }

  /** Forgets pins whose window has passed. */
  expire(now = Date.now()): void {
    for (const [ts, until] of this.#until) if (until <= now) this.#until.delete(ts);
  }

  /** The oldest pinned time (Infinity when none). */
  oldest(): number {
    let oldest = Infinity;
    for (const ts of this.#until.keys()) oldest = Math.min(oldest, ts);
    return oldest;
  }
}
