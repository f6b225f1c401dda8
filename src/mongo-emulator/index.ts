/**
 * An in-process, wire-compatible MongoDB emulator for tests on machines
 * without a MongoDB server. It speaks the wire protocol the official
 * drivers use, presents itself as the primary of a single-node replica set
 * (so sessions, retryable writes and transactions work), and keeps data in
 * memory with snapshot-isolated transactions. See the module files for what
 * each part implements and where it differs from MongoDB.
 *
 * MongoDB keeps a field named "__proto__" like any other; the emulator's
 * query and update code (and mingo's) fill documents by assignment, so it
 * removes the prototype accessor that would swallow such a field.
 */
import '../protobuf/own-proto-keys.ts';
import { EmulatorServer } from './server/tcp-server.ts';

/** Where to listen and which replica set name to advertise. */
export interface EmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default `rs0`. */
  replicaSetName?: string;
}

/** A started emulator. */
export interface RunningEmulator {
  /** Connection string, e.g. `mongodb://127.0.0.1:PORT/?replicaSet=rs0`. */
  readonly uri: string;
  readonly port: number;
  /** Ends all sockets and the listener. */
  close(): Promise<void>;
}

/** Starts an emulator and resolves once it accepts connections. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const replicaSetName = options.replicaSetName ?? 'rs0';
  const server = await EmulatorServer.listen(host, options.port ?? 0, replicaSetName);
  const port = server.state.identity.port;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    uri: `mongodb://${hostPart}:${port}/?replicaSet=${encodeURIComponent(replicaSetName)}`,
    port,
    close: () => server.close(),
  };
}
