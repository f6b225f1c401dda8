/**
 * Builds the gRPC server from its dependencies: the users service, the
 * standard health service and server reflection. It does not listen; the
 * caller binds it (main.ts, or tests on port 0).
 */
import { readFileSync } from 'node:fs';
import { Server } from '@grpc/grpc-js';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import type { PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import type { Logger } from 'pino';
import { UsersServiceService } from './gen/herald/users/v1/users_service.js';
import { usersHandlers } from './transport/users-handlers.ts';
import type { UsersService } from './users/users-service.ts';

/** The fully qualified name health checks and reflection know the service by. */
export const USERS_SERVICE_NAME = 'herald.users.v1.UsersService';

/**
 * `buf build` output, written by `npm run generate`: everything in proto/
 * (well-known types included, comments kept), and the health service's proto
 * as grpc-health-check ships it.
 */
const DESCRIPTOR_SETS = [
  new URL('./gen/descriptor-set.binpb', import.meta.url),
  new URL('./gen/health-descriptor-set.binpb', import.meta.url),
];

/**
 * The FileDescriptorProtos of a FileDescriptorSet, byte for byte. They go to
 * reflection as buf wrote them: descriptors rebuilt by proto-loader lose their
 * import lists and misname map entries, and grpcurl then cannot resolve
 * google.protobuf.Struct (grpc-node issue 2958) or the health service.
 */
function fileDescriptorProtos(set: Uint8Array): Buffer[] {
  const reader = new BinaryReader(set);
  const files: Buffer[] = [];
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    if (fieldNo === 1) files.push(Buffer.from(reader.bytes()));
    else reader.skip(wireType);
  }
  return files;
}

/**
 * What reflection describes: the API, the error details clients decode from
 * `grpc-status-details-bin`, and the health service. Reflection only reads
 * `fileDescriptorProtos` from the package definition's entries.
 */
function reflectionPackage(): PackageDefinition {
  const files = DESCRIPTOR_SETS.flatMap((url) => fileDescriptorProtos(readFileSync(url)));
  return { descriptors: { fileDescriptorProtos: files } as unknown as PackageDefinition[string] };
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
