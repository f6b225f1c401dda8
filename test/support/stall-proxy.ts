/**
 * A TCP proxy for tests that stands between a MongoDB client and one MongoDB
 * server and can make that server look frozen, or gone.
 *
 * - `freeze()` is what a SIGSTOPped mongod looks like from the client: TCP
 *   connections stay up and new ones are accepted (the kernel completes the
 *   handshake of a stopped process too), but nothing answers. No byte is
 *   forwarded in either direction, and connections accepted while frozen are
 *   held open and silent, not yet connected to the target.
 * - `thaw()` is SIGCONT: the bytes held back while frozen go through, in order,
 *   and held connections are connected to the target.
 * - `cutAll()` destroys every open connection, as an outage or a restart does.
 *   New connections are still accepted afterwards; for a server that stays
 *   unreachable, `freeze()` and then `cutAll()`: the old connections die and
 *   new ones hang, so the driver times out instead of reconnecting.
 *
 * Nothing is buffered without bound: a frozen proxy stops reading its sockets
 * (pause), so the kernel's buffers fill and TCP flow control holds the sender
 * back, just as it would against a stopped process. What a socket has already
 * read, at most its high-water mark, waits in its stream buffer; what the proxy
 * has already handed to a socket but not yet flushed waits behind cork().
 *
 * @example
 * ```ts
 * const proxy = await startStallProxy(mongoTarget(uri));
 * const client = new MongoClient(proxy.uriFor(uri), { serverSelectionTimeoutMS: 1_000 });
 * proxy.freeze();
 * // ... a call now waits, then fails; the service reports NOT_SERVING ...
 * proxy.thaw();
 * await proxy.close();
 * ```
 */
import net, { type AddressInfo, type Socket } from 'node:net';

export interface StallTarget {
  readonly host: string;
  readonly port: number;
}

export interface StallProxy {
  /** Always 127.0.0.1. */
  readonly host: string;
  /** The port the proxy listens on (chosen by the system). */
  readonly port: number;
  /** Open client connections, forwarded or held. */
  readonly connections: number;
  /** Whether `freeze()` is in force. */
  readonly frozen: boolean;
  /**
   * `mongoUri` pointed at the proxy: its single host:port is replaced by the
   * proxy's, credentials, path and query are kept, and `directConnection=true`
   * is added when the URI does not set it (see {@link proxiedMongoUri}).
   */
  uriFor(mongoUri: string): string;
  /** From now on nothing is forwarded and new connections are held silent. */
  freeze(): void;
  /** Forwarding resumes, held bytes first; held connections reach the target. */
  thaw(): void;
  /** Destroys every open connection, client and target side. */
  cutAll(): void;
  /** Stops listening and destroys every connection; safe to call again. */
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1, on a free port, in front of `target`. */
export async function startStallProxy(target: StallTarget): Promise<StallProxy> {
  const links = new Set<Link>();
  let frozen = false;
  let closing: Promise<void> | undefined;

  // allowHalfOpen: a client that shuts down its sending side still gets the
  // rest of the answer; the proxy forwards each direction's end on its own.
  // pauseOnConnect: nothing is read from a client before it has somewhere to go.
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => {
    if (closing !== undefined) {
      client.destroy();
      return;
    }
    const link = new Link(client, target, () => frozen);
    links.add(link);
    client.once('close', () => links.delete(link));
    if (!frozen) link.connect();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address: host, port } = server.address() as AddressInfo;

  return {
    host,
    port,
    get connections() {
      return links.size;
    },
    get frozen() {
      return frozen;
    },
    uriFor: (mongoUri) => proxiedMongoUri(mongoUri, { host, port }),
    freeze() {
      if (frozen || closing !== undefined) return;
      frozen = true;
      for (const link of links) link.freeze();
    },
    thaw() {
      if (!frozen || closing !== undefined) return;
      frozen = false;
      for (const link of links) link.thaw();
    },
    cutAll() {
      for (const link of links) link.destroy();
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        for (const link of links) link.destroy();
      });
      return closing;
    },
  };
}

/** One client connection and, once it is forwarded, its target connection. */
class Link {
  private upstream: Socket | undefined;
  private flows: Flow[] = [];
  private corked = false;

  constructor(
    private readonly client: Socket,
    private readonly target: StallTarget,
    private readonly isFrozen: () => boolean,
  ) {
    // A client that goes away ends the link; 'close' follows every 'error'.
    client.on('error', () => {});
    client.once('close', () => this.upstream?.destroy());
  }

  /** Opens the target connection and starts forwarding both ways. */
  connect(): void {
    if (this.upstream !== undefined || this.client.destroyed) return;
    const upstream = net.connect({ host: this.target.host, port: this.target.port, allowHalfOpen: true });
    this.upstream = upstream;
    // A target that refuses or drops the connection drops the client too,
    // as a client of that server would see it.
    upstream.on('error', () => {});
    upstream.once('close', () => this.client.destroy());
    this.flows = [new Flow(this.client, upstream, this.isFrozen), new Flow(upstream, this.client, this.isFrozen)];
    for (const flow of this.flows) flow.update();
  }

  freeze(): void {
    // A held client is paused already (pauseOnConnect) and has no target.
    if (this.upstream === undefined) return;
    // Writes the proxy made before the freeze but that the socket has not yet
    // flushed stay in the socket's buffer until thaw.
    if (!this.corked) {
      this.corked = true;
      this.client.cork();
      this.upstream.cork();
    }
    for (const flow of this.flows) flow.update();
  }

  thaw(): void {
    if (this.upstream === undefined) {
      this.connect();
      return;
    }
    if (this.corked) {
      this.corked = false;
      this.client.uncork();
      this.upstream.uncork();
    }
    for (const flow of this.flows) flow.update();
  }

  destroy(): void {
    this.client.destroy();
    this.upstream?.destroy();
  }
}

/**
 * One direction of a link: what `source` reads is written to `sink`. The
 * source is paused while the proxy is frozen and while the sink's buffer is
 * full (until 'drain'), so memory stays bounded by the sockets' high-water
 * marks whatever the peers send.
 */
class Flow {
  private waitingForDrain = false;
  private endReceived = false;
  private endForwarded = false;

  constructor(
    private readonly source: Socket,
    private readonly sink: Socket,
    private readonly isFrozen: () => boolean,
  ) {
    source.on('data', (chunk: Buffer) => {
      if (!sink.write(chunk)) {
        this.waitingForDrain = true;
        source.pause();
      }
    });
    sink.on('drain', () => {
      this.waitingForDrain = false;
      this.update();
    });
    // 'end' only comes once every byte before it has been read (and so
    // written on), which keeps the half-close in order behind the data.
    source.once('end', () => {
      this.endReceived = true;
      this.update();
    });
  }

  /** Pauses or resumes the source to match the proxy's state. */
  update(): void {
    if (this.isFrozen()) {
      this.source.pause();
      return;
    }
    if (this.endReceived && !this.endForwarded) {
      // end() would uncork the sink, so it waits for thaw like the data.
      this.endForwarded = true;
      this.sink.end();
    }
    if (!this.waitingForDrain) this.source.resume();
  }
}

/**
 * The host and port of a single-host `mongodb://` URI, for
 * `startStallProxy(mongoTarget(uri))`. Throws for anything the proxy cannot
 * stand in front of (see {@link proxiedMongoUri}).
 */
export function mongoTarget(mongoUri: string): StallTarget {
  const { hostPort } = splitMongoUri(mongoUri);
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostPort);
  if (bracketed !== null) {
    return { host: bracketed[1] ?? '', port: Number(bracketed[2] ?? 27017) };
  }
  const colon = hostPort.lastIndexOf(':');
  return colon === -1
    ? { host: hostPort, port: 27017 }
    : { host: hostPort.slice(0, colon), port: Number(hostPort.slice(colon + 1)) };
}

/**
 * `mongoUri` with its host:port replaced by `proxy`'s; user info, database
 * path and options are kept as written.
 *
 * `directConnection=true` is added when the URI does not set it. Without it,
 * a `replicaSet=` URI makes the driver (mongodb 7.x) treat the host as a seed:
 * it reads the member list from the server's hello reply and connects to the
 * members' advertised host:port, leaving the proxy out of the path (a freeze
 * would then freeze nothing; checked with mongodb 7.5 against the emulator:
 * the topology ends up holding only the real member and no connection stays
 * on the proxy). With `directConnection=true` the topology is
 * Single: the driver talks only to the address in the URI and never adds the
 * advertised members. `replicaSet=` is kept and still means something there:
 * the driver checks the server's set name against it (a mismatch leaves the
 * server Unknown, unselectable), and a primary reached directly serves
 * transactions as usual. The driver rejects `directConnection=true` with more
 * than one host or with `mongodb+srv://`, so those URIs are refused here with
 * a clearer message, as is `directConnection=false`, which would bypass the
 * proxy as described above.
 */
export function proxiedMongoUri(mongoUri: string, proxy: StallTarget): string {
  const { scheme, userInfo, rest } = splitMongoUri(mongoUri);
  const queryStart = rest.indexOf('?');
  const path = queryStart === -1 ? rest : rest.slice(0, queryStart);
  const query = queryStart === -1 ? '' : rest.slice(queryStart + 1);

  const direct = query
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => pair.split('='))
    .find(([key]) => decodeURIComponent(key ?? '').toLowerCase() === 'directconnection');
  if (direct !== undefined && decodeURIComponent(direct[1] ?? '').toLowerCase() !== 'true') {
    throw new Error(
      `stall proxy: the URI sets directConnection=${direct[1] ?? ''}; ` +
        'the driver would discover the replica set members and bypass the proxy',
    );
  }
  const options = direct !== undefined ? query : query === '' ? 'directConnection=true' : `${query}&directConnection=true`;
  const host = proxy.host.includes(':') ? `[${proxy.host}]` : proxy.host;
  // The spec wants a '/' between the hosts and the options.
  return `${scheme}${userInfo}${host}:${proxy.port}${path === '' ? '/' : path}?${options}`;
}

/** Splits `mongodb://[userinfo@]host[:port][/path][?query]`. */
function splitMongoUri(mongoUri: string): { scheme: string; userInfo: string; hostPort: string; rest: string } {
  const match = /^(mongodb(\+srv)?:\/\/)([^/?]*)(.*)$/i.exec(mongoUri);
  if (match === null) throw new Error('stall proxy: not a mongodb:// URI');
  const [, scheme = '', srv, authority = '', rest = ''] = match;
  const at = authority.lastIndexOf('@');
  const userInfo = authority.slice(0, at + 1);
  const hostPort = authority.slice(at + 1);
  if (srv !== undefined) {
    throw new Error('stall proxy: a mongodb+srv:// URI names a DNS record, not one server; use a mongodb:// URI');
  }
  if (hostPort.includes(',') || hostPort === '') {
    throw new Error(
      `stall proxy: the URI must name exactly one host, got "${hostPort}"; ` +
        'the proxy stands in front of one server (name the primary)',
    );
  }
  return { scheme, userInfo, hostPort, rest };
}
