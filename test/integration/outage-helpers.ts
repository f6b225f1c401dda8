/**
 * Helpers of the outage tests (outage.test.ts, outage-process.test.ts):
 * calls that can be watched and abandoned, a health watch that records every
 * status it is sent, and a bounded wait that reports instead of hanging.
 */
import { Metadata, status, type CallOptions, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { decodeStatusDetails } from '../../src/errors/grpc-status.ts';
import { USERS_SERVICE_NAME } from '../../src/server.ts';
import {
  GetUserRequest,
  IdentifyUserRequest,
  type DeepPartial,
  type UsersServiceClient,
} from '../../src/gen/herald/users/v1/users_service.js';
import { healthClient } from './service-clients.ts';

/** What a call ended with, and how long after it started. */
export interface CallOutcome {
  /** The status code's name: OK, UNAVAILABLE, DEADLINE_EXCEEDED, ... */
  readonly code: string;
  /** ErrorInfo.reason from grpc-status-details-bin, when the call failed with one. */
  readonly reason: string | undefined;
  readonly message: string;
  readonly elapsedMs: number;
}

/** A call in flight. */
export interface WatchedCall {
  /** Resolves when the response headers arrive: the server's handler has begun. */
  readonly started: Promise<void>;
  /** Resolves when the call ends, however it ends. */
  readonly outcome: Promise<CallOutcome>;
  /** Cancels the call on the client side (test clean-up). */
  cancel(): void;
}

type Callback = (error: ServiceError | null) => void;

function watch(start: (callback: Callback) => ClientUnaryCall): WatchedCall {
  const startedAt = performance.now();
  let headers: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (headers = resolve));
  let call: ClientUnaryCall | undefined;
  const outcome = new Promise<CallOutcome>((resolve) => {
    call = start((error) => {
      const elapsedMs = Math.round(performance.now() - startedAt);
      if (error === null) {
        resolve({ code: 'OK', reason: undefined, message: '', elapsedMs });
        return;
      }
      const details = error.metadata === undefined ? undefined : decodeStatusDetails(error.metadata);
      resolve({ code: status[error.code] ?? String(error.code), reason: details?.errorInfo?.reason, message: error.details, elapsedMs });
    });
    call.on('metadata', () => headers());
  });
  return { started, outcome, cancel: () => call?.cancel() };
}

/** Call options with an absolute deadline `ms` from now, or none at all. */
function options(deadlineInMs: number | undefined): Partial<CallOptions> {
  return deadlineInMs === undefined ? {} : { deadline: Date.now() + deadlineInMs };
}

/** GetUser, with a client deadline `deadlineInMs` from now, or none when undefined. */
export function getUser(client: UsersServiceClient, userId: string, deadlineInMs?: number): WatchedCall {
  return watch((callback) =>
    client.getUser(GetUserRequest.fromPartial({ userId }), new Metadata(), options(deadlineInMs), callback),
  );
}

/** IdentifyUser (a transaction), with a client deadline `deadlineInMs` from now, or none when undefined. */
export function identifyUser(
  client: UsersServiceClient,
  request: DeepPartial<IdentifyUserRequest>,
  deadlineInMs?: number,
): WatchedCall {
  return watch((callback) =>
    client.identifyUser(IdentifyUserRequest.fromPartial(request), new Metadata(), options(deadlineInMs), callback),
  );
}

type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

/** One status sent on the health watch, and when it arrived (performance.now()). */
export interface HealthEvent {
  readonly status: ServingStatus;
  readonly at: number;
}

/** A grpc.health.v1.Health/Watch of the users service that records what it is sent. */
export interface HealthWatch {
  readonly events: readonly HealthEvent[];
  /**
   * Resolves with the first event of `wanted` status at index `from` or
   * later (one already received counts).
   */
  next(wanted: ServingStatus, from?: number): Promise<HealthEvent>;
  close(): void;
}

export function watchHealth(address: string): HealthWatch {
  const client = healthClient(address);
  const stream = client.watch({ service: USERS_SERVICE_NAME });
  const events: HealthEvent[] = [];
  const waiters: { wanted: ServingStatus; from: number; resolve: (event: HealthEvent) => void }[] = [];
  const settle = (): void => {
    for (const waiter of [...waiters]) {
      const found = events.slice(waiter.from).find((event) => event.status === waiter.wanted);
      if (found !== undefined) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(found);
      }
    }
  };
  stream.on('data', (response: { status: ServingStatus }) => {
    events.push({ status: response.status, at: performance.now() });
    settle();
  });
  stream.on('error', () => {}); // cancelled by close()
  return {
    events,
    next: (wanted, from = 0) =>
      new Promise((resolve) => {
        waiters.push({ wanted, from, resolve });
        settle();
      }),
    close: () => {
      stream.cancel();
      client.close();
    },
  };
}
