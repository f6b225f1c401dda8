import { randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import net, { type AddressInfo, type Socket } from 'node:net';
import { MongoClient } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mongoTarget, proxiedMongoUri, startStallProxy, type StallProxy } from './stall-proxy.ts';
import { TIMED_OUT, within } from './within.ts';

/**
 * How long "no answer" is watched for. A correct proxy never answers while
 * frozen, so the wait decides nothing by its length: it only bounds the test.
 */
const SILENCE_MS = 200;
/** How long an answer that must come may take before the test fails. */
const ARRIVAL_MS = 10_000;

/** Collects what a socket receives and says when enough has come. */
class Receiver {
  private readonly chunks: Buffer[] = [];
  private readonly changed = new EventEmitter();
  length = 0;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.length += chunk.length;
      this.changed.emit('data');
    });
  }

  /** Resolves with everything received once at least `total` bytes have come. */
  async received(total: number): Promise<Buffer> {
    while (this.length < total) await once(this.changed, 'data');
    return Buffer.concat(this.chunks);
  }
}

/** A plain TCP echo server that counts what reaches it. */
interface EchoTarget {
  readonly host: string;
  readonly port: number;
  /** Connections accepted so far. */
  accepted: number;
  /** Bytes received so far. */
  received: number;
  /** Its side of each connection, for sending unasked. */
  readonly sockets: Set<Socket>;
  close(): Promise<void>;
}

async function startEchoTarget(): Promise<EchoTarget> {
  const sockets = new Set<Socket>();
  const server = net.createServer((socket) => {
    target.accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      target.received += chunk.length;
    });
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const target: EchoTarget = {
    host: '127.0.0.1',
    port,
    accepted: 0,
    received: 0,
    sockets,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return target;
}

let target: EchoTarget;
let proxy: StallProxy;
const clients: Socket[] = [];

/** A connected client of the proxy and what it receives. */
async function connect(): Promise<{ socket: Socket; rx: Receiver }> {
  const socket = net.connect({ host: proxy.host, port: proxy.port });
  clients.push(socket);
  const rx = new Receiver(socket);
  await once(socket, 'connect');
  return { socket, rx };
}

/** Writes and waits until the bytes have left this process. */
async function send(socket: Socket, data: Buffer | string): Promise<void> {
  await new Promise<void>((resolve, reject) => socket.write(data, (error) => (error ? reject(error) : resolve())));
}

/** A client whose first round trip has gone through, so its link is established. */
async function connected(): Promise<{ socket: Socket; rx: Receiver }> {
  const client = await connect();
  await send(client.socket, 'hello');
  expect((await within(ARRIVAL_MS, client.rx.received(5))).toString()).toBe('hello');
  return client;
}

beforeEach(async () => {
  target = await startEchoTarget();
  proxy = await startStallProxy(target);
});

afterEach(async () => {
  for (const socket of clients.splice(0)) socket.destroy();
  await proxy.close();
  await target.close();
});

describe('startStallProxy', () => {
  it('listens on 127.0.0.1 and forwards bytes both ways', async () => {
    expect(proxy.host).toBe('127.0.0.1');
    expect(proxy.port).toBeGreaterThan(0);
    const { socket, rx } = await connected();
    await send(socket, ' world');
    expect((await within(ARRIVAL_MS, rx.received(11))).toString()).toBe('hello world');
    expect(proxy.connections).toBe(1);
    expect(target.accepted).toBe(1);
  });

  it('carries a transfer far larger than any buffer intact', async () => {
    const { socket, rx } = await connect();
    const payload = randomBytes(16 * 1024 * 1024);
    socket.write(payload);
    const echoed = await within(ARRIVAL_MS, rx.received(payload.length));
    expect(echoed !== TIMED_OUT && echoed.equals(payload)).toBe(true);
  });

  it('while frozen a request gets no answer, and the answer comes after thaw', async () => {
    const { socket, rx } = await connected();
    const before = target.received;

    proxy.freeze();
    expect(proxy.frozen).toBe(true);
    await send(socket, 'ping');
    expect(await within(SILENCE_MS, rx.received(9))).toBe(TIMED_OUT);
    expect(target.received).toBe(before);
    expect(proxy.connections).toBe(1);

    proxy.thaw();
    expect(proxy.frozen).toBe(false);
    expect((await within(ARRIVAL_MS, rx.received(9))).toString()).toBe('helloping');
  });

  it('while frozen nothing the target sends reaches the client', async () => {
    const { rx } = await connected();
    const [targetSide] = target.sockets;
    if (targetSide === undefined) throw new Error('the target has no connection');

    proxy.freeze();
    await send(targetSide, 'push');
    expect(await within(SILENCE_MS, rx.received(9))).toBe(TIMED_OUT);

    proxy.thaw();
    expect((await within(ARRIVAL_MS, rx.received(9))).toString()).toBe('hellopush');
  });

  it('accepts new connections while frozen but holds them silent until thaw', async () => {
    proxy.freeze();
    const { socket, rx } = await connect();
    await send(socket, 'held');
    expect(await within(SILENCE_MS, rx.received(1))).toBe(TIMED_OUT);
    expect(proxy.connections).toBe(1);
    expect(target.accepted).toBe(0);
    expect(socket.destroyed).toBe(false);

    proxy.thaw();
    expect((await within(ARRIVAL_MS, rx.received(4))).toString()).toBe('held');
    expect(target.accepted).toBe(1);
  });

  it('while frozen holds the sender back instead of buffering what it sends', async () => {
    const { socket, rx } = await connected();
    proxy.freeze();
    // More than the kernel's socket buffers on both ends can take (here at
    // most 4 MiB to send and 32 MiB to receive), so if the proxy stops
    // reading, the rest stays with the sender and 'drain' never comes.
    const payload = randomBytes(64 * 1024 * 1024);
    expect(socket.write(payload)).toBe(false);
    expect(await within(SILENCE_MS, once(socket, 'drain'))).toBe(TIMED_OUT);
    expect(socket.writableLength).toBeGreaterThan(0);
    expect(target.received).toBe(5);

    proxy.thaw();
    const echoed = await within(ARRIVAL_MS, rx.received(5 + payload.length));
    expect(echoed !== TIMED_OUT && echoed.subarray(5).equals(payload)).toBe(true);
  });

  it('freeze and thaw are idempotent', async () => {
    const { socket, rx } = await connected();
    proxy.freeze();
    proxy.freeze();
    await send(socket, 'x');
    expect(await within(SILENCE_MS, rx.received(6))).toBe(TIMED_OUT);
    proxy.thaw();
    proxy.thaw();
    expect((await within(ARRIVAL_MS, rx.received(6))).toString()).toBe('hellox');
  });

  it('cutAll closes every client connection, forwarded or held, and keeps accepting', async () => {
    const forwarded = await connected();
    proxy.freeze();
    const held = await connect();
    expect(proxy.connections).toBe(2);

    const closed = Promise.all([once(forwarded.socket, 'close'), once(held.socket, 'close')]);
    proxy.cutAll();
    expect(await within(ARRIVAL_MS, closed)).not.toBe(TIMED_OUT);
    expect(proxy.connections).toBe(0);

    proxy.thaw();
    await connected();
    expect(proxy.connections).toBe(1);
  });

  it('close closes the connections, refuses new ones and is idempotent', async () => {
    const { socket } = await connected();
    const closed = once(socket, 'close');
    const first = proxy.close();
    const second = proxy.close();
    await expect(Promise.all([first, second])).resolves.toBeDefined();
    await expect(proxy.close()).resolves.toBeUndefined();
    expect(await within(ARRIVAL_MS, closed)).not.toBe(TIMED_OUT);
    expect(proxy.connections).toBe(0);

    const late = net.connect({ host: proxy.host, port: proxy.port });
    clients.push(late);
    await expect(once(late, 'connect')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('uriFor', () => {
  it('points a replica-set URI at the proxy and adds directConnection=true', () => {
    expect(proxy.uriFor('mongodb://127.0.0.1:27017/?replicaSet=rs0')).toBe(
      `mongodb://127.0.0.1:${proxy.port}/?replicaSet=rs0&directConnection=true`,
    );
  });

  it('keeps credentials, database path and options', () => {
    expect(proxy.uriFor('mongodb://us%40r:p%2Fw@db.example:27018/users?authSource=admin&w=majority')).toBe(
      `mongodb://us%40r:p%2Fw@127.0.0.1:${proxy.port}/users?authSource=admin&w=majority&directConnection=true`,
    );
  });

  it('adds the path a bare host lacks', () => {
    expect(proxy.uriFor('mongodb://localhost')).toBe(`mongodb://127.0.0.1:${proxy.port}/?directConnection=true`);
  });

  it('leaves a directConnection=true the URI already has', () => {
    expect(proxy.uriFor('mongodb://localhost:32768/?directConnection=true')).toBe(
      `mongodb://127.0.0.1:${proxy.port}/?directConnection=true`,
    );
  });

  it('gives a URI the driver accepts as a direct connection to the proxy, set name kept', async () => {
    const client = new MongoClient(proxy.uriFor('mongodb://db.example:27017/?replicaSet=rs0'));
    try {
      expect(client.options.hosts.map(String)).toEqual([`127.0.0.1:${proxy.port}`]);
      expect(client.options.directConnection).toBe(true);
      expect(client.options.replicaSet).toBe('rs0');
    } finally {
      await client.close();
    }
  });

  it.each([
    ['mongodb+srv://cluster.example/', /mongodb\+srv/],
    ['mongodb://a:27017,b:27017/?replicaSet=rs0', /exactly one host/],
    ['mongodb://a:27017/?replicaSet=rs0&directConnection=false', /directConnection=false/],
    ['http://a:27017/', /not a mongodb/],
  ])('refuses %s', (uri, message) => {
    expect(() => proxy.uriFor(uri)).toThrow(message);
  });

  it('proxiedMongoUri brackets an IPv6 proxy address', () => {
    expect(proxiedMongoUri('mongodb://db/', { host: '::1', port: 4000 })).toBe('mongodb://[::1]:4000/?directConnection=true');
  });
});

describe('mongoTarget', () => {
  it.each([
    ['mongodb://127.0.0.1:51234/?replicaSet=rs0', { host: '127.0.0.1', port: 51234 }],
    ['mongodb://u:p@db.example/users', { host: 'db.example', port: 27017 }],
    ['mongodb://[::1]:4000/', { host: '::1', port: 4000 }],
  ])('%s', (uri, expected) => {
    expect(mongoTarget(uri)).toEqual(expected);
  });
});
