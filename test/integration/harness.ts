/**
 * Starts the real service for integration tests: the same startApp as
 * main.ts, bound to 127.0.0.1 port 0, on a database of the test file's own
 * (from the run's MongoDB), with its log lines captured for assertions.
 */
import { Writable } from 'node:stream';
import { credentials, Metadata, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { afterAll, expect } from 'vitest';
import { startApp, type AppOptions, type RunningApp } from '../../src/app.ts';
import { decodeStatusDetails, type StatusDetails } from '../../src/errors/grpc-status.ts';
import {
  BulkDeleteUsersRequest,
  DeleteUserRequest,
  GetChannelDataRequest,
  GetPreferencesRequest,
  GetUserRequest,
  IdentifyUserRequest,
  ListPreferencesRequest,
  MergeUsersRequest,
  ListUsersRequest,
  SetChannelDataRequest,
  SetPreferencesRequest,
  UnsetChannelDataRequest,
  UsersServiceClient,
  type DeepPartial,
  type IdentifyUserResponse,
  type GetUserResponse,
  type ListUsersResponse,
  type DeleteUserResponse,
  type BulkDeleteUsersResponse,
  type BulkIdentifyUsersResponse,
  type StreamIdentifyUsersResponse,
  type GetChannelDataResponse,
  type SetChannelDataResponse,
  type UnsetChannelDataResponse,
  type GetPreferencesResponse,
  type SetPreferencesResponse,
  type ListPreferencesResponse,
  type MergeUsersResponse,
} from '../../src/gen/herald/users/v1/users_service.js';
import {
  AddActivityRequest,
  CreateMessageRequest,
  GetMessageRequest,
  ListActivitiesRequest,
  ListMessagesRequest,
  MarkMessagesRequest,
  MessagesServiceClient,
  type AddActivityResponse,
  type CreateMessageResponse,
  type DeepPartial as MessagesDeepPartial,
  type GetMessageResponse,
  type ListActivitiesResponse,
  type ListMessagesResponse,
  type MarkMessagesResponse,
} from '../../src/gen/herald/messages/v1/messages_service.js';
import { createLogger } from '../../src/logger.ts';
import { openTestDatabase, type TestDatabase } from '../support/mongo.ts';

/** Calls one unary method and resolves with its response. */
type Unary<Req, Res> = (request: Req, metadata: Metadata, callback: (error: ServiceError | null, response: Res) => void) => unknown;

function call<Req, Res>(method: Unary<Req, Res>, request: Req, metadata = new Metadata()): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(request, metadata, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

/** Streams `messages` through BulkIdentifyUsers (client streaming) and resolves with its one response. */
function bulkIdentify(
  client: UsersServiceClient,
  messages: DeepPartial<IdentifyUserRequest>[][],
  metadata = new Metadata(),
): Promise<BulkIdentifyUsersResponse> {
  return new Promise((resolve, reject) => {
    const stream = client.bulkIdentifyUsers(metadata, (error, response) => (error ? reject(error) : resolve(response)));
    for (const users of messages) stream.write({ users: users.map((u) => IdentifyUserRequest.fromPartial(u)) });
    stream.end();
  });
}

/**
 * Streams `messages` through StreamIdentifyUsers (the first message starting
 * at `startPosition`), half-closes, and resolves with every acknowledgement
 * once the server has ended the call; rejects with the call's error.
 */
function streamIdentify(
  client: UsersServiceClient,
  messages: DeepPartial<IdentifyUserRequest>[][],
  metadata = new Metadata(),
  startPosition = 0,
): Promise<StreamIdentifyUsersResponse[]> {
  return new Promise((resolve, reject) => {
    const stream = client.streamIdentifyUsers(metadata);
    const acks: StreamIdentifyUsersResponse[] = [];
    stream.on('data', (ack: StreamIdentifyUsersResponse) => acks.push(ack));
    stream.on('error', reject);
    stream.on('end', () => resolve(acks));
    messages.forEach((users, i) =>
      stream.write({ startPosition: i === 0 ? startPosition : 0, users: users.map((u) => IdentifyUserRequest.fromPartial(u)) }),
    );
    stream.end();
  });
}

/**
 * Promise-returning calls that accept partial requests, as a caller would
 * write them, and optional metadata. Type arguments are spelled out: they
 * cannot be inferred from grpc-js's overloaded client methods.
 */
export function usersApi(client: UsersServiceClient) {
  return {
    identifyUser: (r: DeepPartial<IdentifyUserRequest>, md?: Metadata) =>
      call<IdentifyUserRequest, IdentifyUserResponse>(client.identifyUser.bind(client), IdentifyUserRequest.fromPartial(r), md),
    getUser: (r: DeepPartial<GetUserRequest>, md?: Metadata) =>
      call<GetUserRequest, GetUserResponse>(client.getUser.bind(client), GetUserRequest.fromPartial(r), md),
    listUsers: (r: DeepPartial<ListUsersRequest>, md?: Metadata) =>
      call<ListUsersRequest, ListUsersResponse>(client.listUsers.bind(client), ListUsersRequest.fromPartial(r), md),
    deleteUser: (r: DeepPartial<DeleteUserRequest>, md?: Metadata) =>
      call<DeleteUserRequest, DeleteUserResponse>(client.deleteUser.bind(client), DeleteUserRequest.fromPartial(r), md),
    bulkIdentifyUsers: (messages: DeepPartial<IdentifyUserRequest>[][], md?: Metadata) => bulkIdentify(client, messages, md),
    streamIdentifyUsers: (messages: DeepPartial<IdentifyUserRequest>[][], md?: Metadata, startPosition?: number) =>
      streamIdentify(client, messages, md, startPosition),
    bulkDeleteUsers: (r: DeepPartial<BulkDeleteUsersRequest>, md?: Metadata) =>
      call<BulkDeleteUsersRequest, BulkDeleteUsersResponse>(client.bulkDeleteUsers.bind(client), BulkDeleteUsersRequest.fromPartial(r), md),
    getChannelData: (r: DeepPartial<GetChannelDataRequest>, md?: Metadata) =>
      call<GetChannelDataRequest, GetChannelDataResponse>(client.getChannelData.bind(client), GetChannelDataRequest.fromPartial(r), md),
    setChannelData: (r: DeepPartial<SetChannelDataRequest>, md?: Metadata) =>
      call<SetChannelDataRequest, SetChannelDataResponse>(client.setChannelData.bind(client), SetChannelDataRequest.fromPartial(r), md),
    unsetChannelData: (r: DeepPartial<UnsetChannelDataRequest>, md?: Metadata) =>
      call<UnsetChannelDataRequest, UnsetChannelDataResponse>(client.unsetChannelData.bind(client), UnsetChannelDataRequest.fromPartial(r), md),
    getPreferences: (r: DeepPartial<GetPreferencesRequest>, md?: Metadata) =>
      call<GetPreferencesRequest, GetPreferencesResponse>(client.getPreferences.bind(client), GetPreferencesRequest.fromPartial(r), md),
    setPreferences: (r: DeepPartial<SetPreferencesRequest>, md?: Metadata) =>
      call<SetPreferencesRequest, SetPreferencesResponse>(client.setPreferences.bind(client), SetPreferencesRequest.fromPartial(r), md),
    listPreferences: (r: DeepPartial<ListPreferencesRequest>, md?: Metadata) =>
      call<ListPreferencesRequest, ListPreferencesResponse>(client.listPreferences.bind(client), ListPreferencesRequest.fromPartial(r), md),
    mergeUsers: (r: DeepPartial<MergeUsersRequest>, md?: Metadata) =>
      call<MergeUsersRequest, MergeUsersResponse>(client.mergeUsers.bind(client), MergeUsersRequest.fromPartial(r), md),
  };
}

/** Promise-returning MessagesService calls that accept partial requests, as {@link usersApi}. */
export function messagesApi(client: MessagesServiceClient) {
  return {
    createMessage: (r: MessagesDeepPartial<CreateMessageRequest>, md?: Metadata) =>
      call<CreateMessageRequest, CreateMessageResponse>(client.createMessage.bind(client), CreateMessageRequest.fromPartial(r), md),
    addActivity: (r: MessagesDeepPartial<AddActivityRequest>, md?: Metadata) =>
      call<AddActivityRequest, AddActivityResponse>(client.addActivity.bind(client), AddActivityRequest.fromPartial(r), md),
    getMessage: (r: MessagesDeepPartial<GetMessageRequest>, md?: Metadata) =>
      call<GetMessageRequest, GetMessageResponse>(client.getMessage.bind(client), GetMessageRequest.fromPartial(r), md),
    listMessages: (r: MessagesDeepPartial<ListMessagesRequest>, md?: Metadata) =>
      call<ListMessagesRequest, ListMessagesResponse>(client.listMessages.bind(client), ListMessagesRequest.fromPartial(r), md),
    markMessages: (r: MessagesDeepPartial<MarkMessagesRequest>, md?: Metadata) =>
      call<MarkMessagesRequest, MarkMessagesResponse>(client.markMessages.bind(client), MarkMessagesRequest.fromPartial(r), md),
    listActivities: (r: MessagesDeepPartial<ListActivitiesRequest>, md?: Metadata) =>
      call<ListActivitiesRequest, ListActivitiesResponse>(client.listActivities.bind(client), ListActivitiesRequest.fromPartial(r), md),
  };
}

/** A running service, a client of it, its database and its log. */
export interface TestService {
  readonly app: RunningApp;
  readonly address: string;
  readonly client: UsersServiceClient;
  readonly api: ReturnType<typeof usersApi>;
  /** MessagesService calls on the same server. */
  readonly messages: ReturnType<typeof messagesApi>;
  readonly mongo: TestDatabase;
  /** Every log line so far, parsed. */
  readonly logs: Record<string, unknown>[];
  /** Stops the service (idempotent); the file's afterAll calls it too. */
  stop(): Promise<void>;
}

/** Options for {@link startTestService}. */
export interface TestServiceOptions {
  shutdownGraceMs?: number;
  maxReceiveMessageBytes?: number;
  bulkBatchSize?: number;
  bulkMaxUsersPerStream?: number;
  /** The service's clock (message and activity times); the system clock when absent. */
  clock?: () => Date;
  /** More settings for startApp (auth tests: callers file, TLS, reflection, rate limits); the host stays 127.0.0.1. */
  app?: Partial<Omit<AppOptions, 'logger' | 'mongodbUri' | 'mongodbDatabase' | 'host' | 'port'>>;
  /** The clients' channel credentials (TLS tests); insecure when absent. */
  clientCredentials?: ChannelCredentials;
  /** The clients' channel options (e.g. `grpc.ssl_target_name_override`). */
  clientOptions?: Record<string, string | number>;
}

/** The service's logger (level info), with every line it writes parsed into `lines`. */
export function capturedLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger('info', sink), lines };
}

/**
 * Starts the service on its own database; stopped and dropped after the
 * file's tests. Call it at the top level of a test file (awaited).
 */
export async function startTestService(options: TestServiceOptions = {}): Promise<TestService> {
  const mongo = await openTestDatabase();
  const { logger, lines: logs } = capturedLogger();
  const app = await startApp({
    mongodbUri: mongo.uri,
    mongodbDatabase: mongo.dbName,
    host: '127.0.0.1',
    port: 0,
    maxReceiveMessageBytes: options.maxReceiveMessageBytes ?? 4 * 1024 * 1024,
    shutdownGraceMs: options.shutdownGraceMs ?? 5_000,
    ...(options.bulkBatchSize === undefined ? {} : { bulkBatchSize: options.bulkBatchSize }),
    ...(options.bulkMaxUsersPerStream === undefined ? {} : { bulkMaxUsersPerStream: options.bulkMaxUsersPerStream }),
    mongodbServerSelectionTimeoutMs: 5_000,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...options.app,
    logger,
  });
  const address = `127.0.0.1:${app.port}`;
  const channelCredentials = options.clientCredentials ?? credentials.createInsecure();
  const client = new UsersServiceClient(address, channelCredentials, options.clientOptions);
  const messagesClient = new MessagesServiceClient(address, channelCredentials, options.clientOptions);
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      client.close();
      messagesClient.close();
      await app.stop();
      await mongo.close();
    })();
    return stopped;
  };
  afterAll(stop);
  return { app, address, client, api: usersApi(client), messages: messagesApi(messagesClient), mongo: mongo, logs, stop };
}

/** The failed call's code and decoded details; fails the test if the call succeeded. */
export async function grpcError(
  promise: Promise<unknown>,
): Promise<{ error: ServiceError; details: StatusDetails }> {
  const error = await promise.then(
    () => expect.fail('the call succeeded but an error was expected'),
    (thrown: unknown) => thrown as ServiceError,
  );
  const details = decodeStatusDetails(error.metadata);
  if (details === undefined) return expect.fail(`no grpc-status-details-bin on ${error.code}: ${error.details}`);
  return { error, details };
}
