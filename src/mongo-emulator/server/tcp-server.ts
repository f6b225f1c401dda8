/**
 * The TCP listener: accepts connections, expires transactions past their
 * lifetime and snapshot-read pins past the history window, and on close
 * ends every socket and the listener.
 */
import { createServer, type Server } from 'node:net';
import { Connection } from './connection.ts';
import { ServerState } from './server-state.ts';

/** How often open transactions are checked against their lifetime limit. */
const EXPIRY_SWEEP_MS = 1_000;

/** A listening emulator. */
export class EmulatorServer {
  readonly state: ServerState;
  readonly #listener: Server;
  readonly #connections = new Set<Connection>();
  #sweep: NodeJS.Timeout | undefined;

  private constructor(state: ServerState, listener: Server) {
    this.state = state;
    this.#listener = listener;
  }

  /** Starts listening on host:port (port 0: an ephemeral port). */
  static async listen(host: string, port: number, replicaSetName: string): Promise<EmulatorServer> {
    const state = new ServerState({ host, port, replicaSetName });
    const listener = createServer();
    const server = new EmulatorServer(state, listener);
    listener.on('connection', (socket) => {
      const connection = new Connection(socket, state);
      server.#connections.add(connection);
      socket.on('close', () => server.#connections.delete(connection));
    });
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(port, host, () => {
        listener.off('error', reject);
        resolve();
      });
    });
    const address = listener.address();
    if (address !== null && typeof address === 'object') state.identity.port = address.port;
    server.#sweep = setInterval(() => {
      state.sessions.expire();
      state.engine.sweepPins();
    }, EXPIRY_SWEEP_MS);
    server.#sweep.unref();
    return server;
  }

  /** Stops accepting, closes every connection, aborts open transactions. */
  async close(): Promise<void> {
    clearInterval(this.#sweep);
    const closed = new Promise<void>((resolve) => this.#listener.close(() => resolve()));
    for (const connection of this.#connections) connection.close();
    this.#connections.clear();
    this.state.sessions.abortAll();
    this.state.cursors.clear();
    await closed;
  }
}
