/**
 * Builds the gRPC server from its dependencies: the users service, the
 * standard health service and server reflection. It does not listen; the
 * caller binds it (main.ts, or tests on port 0).
 */
import './protobuf/own-proto-keys.ts';
import { Server, type ServerOptions } from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import type { DescService } from '@bufbuild/protobuf';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import type { Config } from './config.ts';
import { apiRegistry, reflectionFileDescriptors } from './protobuf/descriptors.ts';
import { receiveTimeout } from './transport/receive-timeout.ts';
import type { AccessPolicy } from './auth/access.ts';
import { authInterceptor } from './auth/interceptor.ts';
import { REQUEST_FIELD_RULES } from './transport/request-rules.ts';
import { resolveFieldRules, strictService } from './transport/strict-requests.ts';
import type { CallEdge } from './transport/unary.ts';
import { UsersServiceService } from './gen/herald/users/v1/users_service.js';
import { MessagesServiceService } from './gen/herald/messages/v1/messages_service.js';
import { usersHandlers } from './transport/users-handlers.ts';
import { bulkHandlers } from './transport/bulk-handlers.ts';
import { mergeHandlers } from './transport/merge-handler.ts';
import type { MergeService } from './lifecycle/merge-service.ts';
import { messagesHandlers } from './transport/messages-handlers.ts';
import type { MessagesService } from './messages/messages-service.ts';
import type { BulkService } from './bulk/bulk-service.ts';
import type { UsersService } from './users/users-service.ts';

/** The fully qualified name health checks and reflection know the service by. */
export const USERS_SERVICE_NAME = 'herald.users.v1.UsersService';
/** The messages service's name, for health checks and reflection. */
export const MESSAGES_SERVICE_NAME = 'herald.messages.v1.MessagesService';

/**
 * What reflection describes: the API, the error details clients decode from
 * `grpc-status-details-bin`, and the health service. Reflection only reads
 * `fileDescriptorProtos` from the package definition's entries.
 */
function reflectionPackage(): PackageDefinition {
  const files = reflectionFileDescriptors();
  return { descriptors: { fileDescriptorProtos: files } as unknown as PackageDefinition[string] };
}

/** Limits on connections, streams and requests; each is documented and configured in src/config.ts. */
export type TransportLimits = Pick<
  Config,
  | 'maxReceiveMessageBytes'
  | 'maxConcurrentStreams'
  | 'receiveTimeoutMs'
  | 'keepaliveTimeMs'
  | 'keepaliveTimeoutMs'
  | 'maxConnectionIdleMs'
  | 'maxConnectionAgeMs'
  | 'maxConnectionAgeGraceMs'
  | 'maxSessionMemoryMiB'
>;

/** What the server is built from. */
export interface ServerDependencies {
  users: UsersService;
  bulk: BulkService;
  messages: MessagesService;
  merge: MergeService;
  edge: CallEdge;
  limits: TransportLimits;
  /** Who may call what (src/auth); its `reflection: 'off'` also leaves reflection unserved. */
  access: AccessPolicy;
}

/** A built server and the handle on its health status. */
export interface BuiltServer {
  server: Server;
  health: HealthImplementation;
}

/**
 * The grpc-js options for `limits`. Buffered request bytes per connection
 * are bounded by maxConcurrentStreams × maxReceiveMessageBytes, and held no
 * longer than receiveTimeoutMs.
 */
export function serverOptions(limits: TransportLimits): ServerOptions {
  return {
    'grpc.max_receive_message_length': limits.maxReceiveMessageBytes,
    'grpc.max_concurrent_streams': limits.maxConcurrentStreams,
    'grpc.keepalive_time_ms': limits.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': limits.keepaliveTimeoutMs,
    'grpc.max_connection_idle_ms': limits.maxConnectionIdleMs,
    'grpc.max_connection_age_ms': limits.maxConnectionAgeMs,
    'grpc.max_connection_age_grace_ms': limits.maxConnectionAgeGraceMs,
    'grpc-node.max_session_memory': limits.maxSessionMemoryMiB,
  };
}

/**
 * Builds the server. Every call passes the auth interceptor first
 * (src/auth/interceptor.ts). Health starts NOT_SERVING for the overall server ("")
 * and for each service; the caller flips it once MongoDB answers.
 * Every request is checked strictly before it is decoded
 * (src/transport/strict-requests.ts).
 */
export function buildServer(deps: ServerDependencies): BuiltServer {
  const server = new Server({
    ...serverOptions(deps.limits),
    // grpc-js nests interceptors in order, the last one outermost: the auth
    // interceptor sits nearest the handlers, so a call it refuses ends
    // through receiveTimeout's own sendStatus (which stops its timer) and
    // never reaches a handler.
    interceptors: [receiveTimeout(deps.limits.receiveTimeoutMs, deps.edge.logger), authInterceptor(deps.access, deps.edge.logger)],
  });
  const registry = apiRegistry();
  const rules = resolveFieldRules(registry, REQUEST_FIELD_RULES);
  const describe = (name: string): DescService => {
    const service = registry.getService(name);
    if (service === undefined) throw new Error(`the descriptor set has no ${name}`);
    return service;
  };
  const definition = strictService(UsersServiceService, describe(USERS_SERVICE_NAME), rules);
  server.addService(definition, {
    ...usersHandlers(deps.users, deps.edge),
    ...bulkHandlers(deps.bulk, deps.edge),
    ...mergeHandlers(deps.merge, deps.edge),
  });
  const messages = strictService(MessagesServiceService, describe(MESSAGES_SERVICE_NAME), rules);
  server.addService(messages, messagesHandlers(deps.messages, deps.edge));

  const health = new HealthImplementation({
    '': 'NOT_SERVING',
    [USERS_SERVICE_NAME]: 'NOT_SERVING',
    [MESSAGES_SERVICE_NAME]: 'NOT_SERVING',
  });
  health.addToServer(server);

  if (deps.access.reflection !== 'off') new ReflectionService(reflectionPackage()).addToServer(server);
  return { server, health };
}

/** Sets the overall and each service's health status together. */
export function setServing(health: HealthImplementation, serving: boolean): void {
  const value = serving ? 'SERVING' : 'NOT_SERVING';
  health.setStatus('', value);
  health.setStatus(USERS_SERVICE_NAME, value);
  health.setStatus(MESSAGES_SERVICE_NAME, value);
}
