/**
 * Follows the driver's view of the deployment and reports whether a server
 * that accepts writes is known, so the gRPC health status can follow MongoDB.
 */
import type { MongoClient, TopologyDescriptionChangedEvent } from 'mongodb';

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
