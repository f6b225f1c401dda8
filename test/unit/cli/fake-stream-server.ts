/**
 * A stand-in for the Users service that implements StreamIdentifyUsers
 * alone, in memory, with the contract the proto states: positions from
 * start_position, an acknowledgement after each full batch (and at the end
 * of the stream), rejections by position. Hooks let a test break the stream
 * or the whole server at chosen moments, to check how the import resumes.
 */
import { Server, ServerCredentials, status, type ServerDuplexStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { AppError } from '../../../src/errors/app-error.ts';
import { toServiceError } from '../../../src/errors/grpc-status.ts';
import {
  UsersServiceService,
  type IdentifyUserRequest,
  type RejectedUser,
  type StreamIdentifyUsersRequest,
  type StreamIdentifyUsersResponse,
} from '../../../src/gen/herald/users/v1/users_service.js';

type Call = ServerDuplexStream<StreamIdentifyUsersRequest, StreamIdentifyUsersResponse>;

/** What the fake has seen and stored. */
export interface FakeState {
  /** Users as last identified, by id. */
  readonly users: Map<string, IdentifyUserRequest>;
  /** The user id committed at each position (re-sent positions must carry the same id). */
  readonly positions: Map<number, string>;
  /** start_position of each stream's first message. */
  readonly starts: number[];
  /** Acknowledgements sent, over all streams. */
  acks: number;
  /** Records that arrived again at a position already committed. */
  duplicates: number;
  /** A re-sent position that carried another user: the client numbered wrongly. */
  mismatches: string[];
}

export interface FakeHooks {
  /** Records per committed batch. */
  readonly batchSize: number;
  /** After a batch commits; return 'drop-ack' to end the stream with UNAVAILABLE before acknowledging it. */
  readonly afterCommit?: (state: FakeState, call: Call) => 'drop-ack' | undefined;
  /** Most records one stream may carry; beyond, the stream fails RESOURCE_EXHAUSTED / STREAM_TOO_LONG, the batch in hand unwritten. */
  readonly maxPerStream?: number;
  /** After an acknowledgement is written; return a status code to end the stream with it. */
  readonly afterAck?: (state: FakeState, call: Call) => number | undefined;
}

export interface FakeServer {
  readonly address: string;
  readonly port: number;
  readonly state: FakeState;
  /** Stops at once, cutting every connection. */
  kill(): void;
  /** Serves again on the same port, with the same state. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function fail(call: Call, code: number, details: string): void {
  call.emit('error', Object.assign(new Error(details), { code, details }));
}

function handler(state: FakeState, hooks: FakeHooks) {
  return (call: Call): void => {
    let position: number | undefined;
    let batch: { position: number; user: IdentifyUserRequest }[] = [];
    let done = false;
    let received = 0;
    const commit = (): boolean => {
      if (batch.length === 0) return true;
      let created = 0;
      let updated = 0;
      const rejections: RejectedUser[] = [];
      for (const { position: at, user } of batch) {
        const earlier = state.positions.get(at);
        if (earlier !== undefined) {
          state.duplicates += 1;
          if (earlier !== user.userId) state.mismatches.push(`position ${at}: ${earlier} then ${user.userId}`);
        }
        state.positions.set(at, user.userId);
        if (user.userId.startsWith('bad')) {
          rejections.push({ position: at, userId: user.userId, violations: [{ field: 'email', reason: 'INVALID_EMAIL', description: 'not an email' }] });
          continue;
        }
        if (state.users.has(user.userId)) updated += 1;
        else created += 1;
        state.users.set(user.userId, user);
      }
      const nextPosition = (batch.at(-1)?.position ?? 0) + 1;
      batch = [];
      if (hooks.afterCommit?.(state, call) === 'drop-ack') {
        done = true;
        fail(call, status.UNAVAILABLE, 'dropped before the acknowledgement');
        return false;
      }
      call.write({ nextPosition, created, updated, rejections });
      state.acks += 1;
      const code = hooks.afterAck?.(state, call);
      if (code !== undefined) {
        done = true;
        fail(call, code, 'ended by the test');
        return false;
      }
      return true;
    };
    call.on('data', (message: StreamIdentifyUsersRequest) => {
      if (done) return;
      if (position === undefined) {
        position = message.startPosition;
        state.starts.push(position);
      } else if (message.startPosition !== 0) {
        done = true;
        fail(call, status.INVALID_ARGUMENT, 'start_position on a later message');
        return;
      }
      if (message.users.length === 0 || message.users.length > 1000) {
        done = true;
        fail(call, status.INVALID_ARGUMENT, `${message.users.length} users in one message`);
        return;
      }
      received += message.users.length;
      if (hooks.maxPerStream !== undefined && received > hooks.maxPerStream) {
        done = true;
        call.emit('error', toServiceError(new AppError('STREAM_TOO_LONG', `more than ${hooks.maxPerStream} users in one stream`)));
        return;
      }
      for (const user of message.users) {
        batch.push({ position, user });
        position += 1;
        if (batch.length >= hooks.batchSize && !commit()) return;
      }
    });
    call.on('end', () => {
      if (done) return;
      if (commit()) call.end();
    });
  };
}

/** Starts the fake on 127.0.0.1, on `port` (0: any). */
export async function startFakeServer(hooks: FakeHooks, port = 0): Promise<FakeServer> {
  const state: FakeState = { users: new Map(), positions: new Map(), starts: [], acks: 0, duplicates: 0, mismatches: [] };
  let server: Server | undefined;
  const listen = async (on: number): Promise<number> => {
    server = new Server();
    server.addService(UsersServiceService, { streamIdentifyUsers: handler(state, hooks) } as UntypedServiceImplementation);
    return new Promise((resolve, reject) =>
      server?.bindAsync(`127.0.0.1:${on}`, ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
  };
  const bound = await listen(port);
  return {
    address: `127.0.0.1:${bound}`,
    port: bound,
    state,
    kill: () => server?.forceShutdown(),
    restart: async () => {
      await listen(bound);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (server === undefined) return resolve();
        server.tryShutdown(() => resolve());
      }),
  };
}
