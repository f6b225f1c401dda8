/**
 * Follows the driver's view of the deployment and reports whether a server
 * that accepts writes is known, so the gRPC health status can follow MongoDB.
 */
import type { Db, MongoClient, TopologyDescriptionChangedEvent } from 'mongodb';

const WRITABLE_TYPES = new Set(['RSPrimary', 'Standalone', 'Mongos', 'LoadBalancer']);

/**
 * Calls `onChange(true|false)` whenever the availability of a writable
 * server changes. Returns a function that stops watching.
 */
export function watchWritable(client: MongoClient, onChange: (writable: boolean) => void): () => void {
  let last: boolean | undefined;
  const listener = (event: TopologyDescriptionChangedEvent): void => {
    const writable = [...event.newDescription.servers.values()].some((server) =>
      WRITABLE_TYPES.has(server.type),
    );
    if (writable !== last) {
      last = writable;
      onChange(writable);
    }
  };
  client.on('topologyDescriptionChanged', listener);
  return () => client.off('topologyDescriptionChanged', listener);
}

/** How the database probe runs. */
export interface ProbeOptions {
  /** Time between the end of one ping and the start of the next. */
  readonly intervalMs: number;
  /** How long one ping may take before the database counts as unreachable. */
  readonly timeoutMs: number;
}

/**
 * Pings MongoDB every `intervalMs` and reports whether it answered within
 * `timeoutMs`, each time the answer changes. The driver's view of the
 * topology alone misses a server that is up but frozen: its connections
 * stay open and its last heartbeat stays good while nothing is answered.
 * Pings never overlap. Returns a function that stops probing.
 */
export function probeDatabase(db: Db, options: ProbeOptions, onChange: (reachable: boolean) => void): () => void {
  let last: boolean | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const probe = async (): Promise<void> => {
    const reachable = await db.command({ ping: 1 }, { timeoutMS: options.timeoutMs }).then(
      () => true,
      () => false,
    );
    if (stopped) return;
    if (reachable !== last) {
      last = reachable;
      onChange(reachable);
    }
    timer = setTimeout(() => void probe(), options.intervalMs);
  };
  timer = setTimeout(() => void probe(), options.intervalMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
