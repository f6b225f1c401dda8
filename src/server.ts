/**
 * Builds the gRPC server from its dependencies: the users service, the
 * standard health service and server reflection. It does not listen; the
 * caller binds it (main.ts, or tests on port 0).
 */
import { fileURLToPath } from 'node:url';
import { Server } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import type { Logger } from 'pino';
import { UsersServiceService } from './gen/herald/users/v1/users_service.js';
import { usersHandlers } from './transport/users-handlers.ts';
import type { UsersService } from './users/users-service.ts';

/** The fully qualified name health checks and reflection know the service by. */
export const USERS_SERVICE_NAME = 'herald.users.v1.UsersService';

const PROTO_ROOT = fileURLToPath(new URL('../proto', import.meta.url));

/**
 * The .proto files reflection describes: the API, the error details clients
 * decode from `grpc-status-details-bin`, and the health service.
 */
function reflectionPackage(): ReturnType<typeof loadSync> {
  return loadSync(
    [
      'herald/users/v1/users_service.proto',
      'google/rpc/status.proto',
      'google/rpc/error_details.proto',
      healthProtoPath,
    ],
    { includeDirs: [PROTO_ROOT], keepCase: true, longs: String, enums: String, defaults: true },
  );
}

/** What the server is built from. */
export interface ServerDependencies {
  users: UsersService;
  logger: Logger;
  maxReceiveMessageBytes: number;
}

/** A built server and the handle on its health status. */
export interface BuiltServer {
  server: Server;
  health: HealthImplementation;
}

/**
 * Builds the server. Health starts NOT_SERVING for the overall server ("")
 * and for the users service; the caller flips it once MongoDB answers.
 */
export function buildServer(deps: ServerDependencies): BuiltServer {
  const server = new Server({
    'grpc.max_receive_message_length': deps.maxReceiveMessageBytes,
  });
  server.addService(UsersServiceService, usersHandlers(deps.users, deps.logger));

  const health = new HealthImplementation({ '': 'NOT_SERVING', [USERS_SERVICE_NAME]: 'NOT_SERVING' });
  health.addToServer(server);

  new ReflectionService(reflectionPackage()).addToServer(server);
  return { server, health };
}

/** Sets the overall and the users service's health status together. */
export function setServing(health: HealthImplementation, serving: boolean): void {
  const value = serving ? 'SERVING' : 'NOT_SERVING';
  health.setStatus('', value);
  health.setStatus(USERS_SERVICE_NAME, value);
}
