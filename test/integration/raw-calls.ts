/**
 * Unary calls that put a test's bytes on the wire exactly as given: the
 * request is not encoded by any generated code, so a test can send what no
 * well-behaved client would (unknown fields, wrong wire types, invalid
 * UTF-8, truncated messages). The response comes back as bytes too.
 */
import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';

/** How a raw call ended. */
export interface RawReply {
  readonly code: status;
  /** The status message (grpc-message). */
  readonly details: string;
  /** The trailers of a failed call (where grpc-status-details-bin travels); empty on OK. */
  readonly trailers: Metadata;
  /** The response bytes of an OK call. */
  readonly response?: Buffer;
}

const identity = (bytes: Buffer): Buffer => bytes;

/** A generic client of the server at `address`, for {@link sendRaw}. */
export function rawClient(address: string): Client {
  return new Client(address, credentials.createInsecure());
}

/**
 * Calls `path` (e.g. "/herald.users.v1.UsersService/GetUser") with `bytes`
 * as the request message. Never rejects: every outcome is a {@link RawReply}.
 */
export function sendRaw(client: Client, path: string, bytes: Uint8Array, timeoutMs = 10_000): Promise<RawReply> {
  const request = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return new Promise((resolve) => {
    client.makeUnaryRequest<Buffer, Buffer>(
      path,
      identity,
      identity,
      request,
      new Metadata(),
      { deadline: Date.now() + timeoutMs },
      (error: ServiceError | null, response?: Buffer) => {
        if (error) resolve({ code: error.code, details: error.details, trailers: error.metadata });
        else resolve({ code: status.OK, details: '', trailers: new Metadata(), ...(response === undefined ? {} : { response }) });
      },
    );
  });
}
