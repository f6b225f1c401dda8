/**
 * Connection and stream limits, seen from a raw HTTP/2 client: what the
 * server advertises, a half-sent request that is ended rather than held
 * forever, and an idle connection that is closed.
 */
import { connect, constants, type ClientHttp2Session } from 'node:http2';
import { afterAll, describe, expect, it } from 'vitest';
import { startApp } from '../../src/app.ts';
import { openTestDatabase } from '../support/mongo.ts';
import { capturedLogger } from './harness.ts';

const mongo = await openTestDatabase();
const { logger, lines } = capturedLogger();
const LIMITS = { maxConcurrentStreams: 7, receiveTimeoutMs: 300, maxConnectionIdleMs: 1_000 };
const app = await startApp({
  mongodbUri: mongo.uri,
  mongodbDatabase: mongo.dbName,
  host: '127.0.0.1',
  port: 0,
  shutdownGraceMs: 1_000,
  logger,
  ...LIMITS,
});
afterAll(async () => {
  await app.stop();
  await mongo.close();
});

function open(): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://127.0.0.1:${app.port}`);
    session.once('remoteSettings', () => resolve(session));
    // The server ending streams and connections is what these tests provoke.
    session.on('error', (error) => reject(error));
  });
}

describe('transport limits', () => {
  it('advertises the configured concurrent stream limit', async () => {
    const session = await open();
    try {
      expect(session.remoteSettings.maxConcurrentStreams).toBe(LIMITS.maxConcurrentStreams);
    } finally {
      session.close();
    }
  });

  it('ends a call whose request never fully arrives, with DEADLINE_EXCEEDED, and logs it', async () => {
    const session = await open();
    try {
      const stream = session.request({
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: '/herald.users.v1.UsersService/GetUser',
        [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
        te: 'trailers',
      });
      stream.on('error', () => undefined);
      // A message prefix announcing 1,000 bytes, then only 10 of them, and no end.
      const prefix = Buffer.alloc(5);
      prefix.writeUInt32BE(1_000, 1);
      stream.write(Buffer.concat([prefix, Buffer.alloc(10)]));
      const trailers = await new Promise<Record<string, unknown>>((resolve) => {
        stream.once('trailers', (headers) => resolve(headers));
        stream.once('response', (headers) => {
          if (headers['grpc-status'] !== undefined) resolve(headers); // trailers-only response
        });
      });
      expect(trailers['grpc-status']).toBe('4');
      expect(lines.some((l) => l['msg'] === 'request not received in time; call ended')).toBe(true);
    } finally {
      session.close();
    }
  });

  it('closes a connection that has carried no call for the idle limit', async () => {
    const session = await open();
    const goaway = new Promise<void>((resolve) => session.once('goaway', () => resolve()));
    const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));
    await goaway;
    await closed;
    expect(session.closed || session.destroyed).toBe(true);
  });
});
