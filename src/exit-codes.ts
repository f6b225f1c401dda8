/**
 * The process's exit statuses, documented in the README: a supervisor can
 * tell a clean stop from a forced one and a bad setting from a busy port.
 */
export const EXIT_CODES = {
  /** Stopped on a signal, every call finished and MongoDB closed. */
  OK: 0,
  /** Could not start (MongoDB unreachable, no embedded MongoDB), or a second signal cut shutdown short. */
  START_FAILED: 1,
  /** A configuration variable holds a bad value; the message lists each. */
  BAD_CONFIG: 2,
  /** Shutdown ran out of time: calls still running after the grace period, or MongoDB not closed in time, were abandoned. */
  SHUTDOWN_FORCED: 3,
  /** The address could not be listened on (in use, not permitted, not local). */
  BIND_FAILED: 4,
} as const;
