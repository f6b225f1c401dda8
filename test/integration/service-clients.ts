/**
 * Clients of the standard services the server also hosts (health and
 * reflection), built from their .proto files the way any gRPC client would.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  credentials,
  loadPackageDefinition,
  Metadata,
  type Client,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';

const LOADER_OPTIONS = { keepCase: true, enums: String, defaults: true, oneofs: true } as const;

type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

interface HealthCheckResponse {
  status: ServingStatus;
}

/** grpc.health.v1.Health as proto-loader builds it. */
export interface HealthClient extends Client {
  check(
    request: { service: string },
    metadata: Metadata,
    options: { deadline: number },
    callback: (error: ServiceError | null, response: HealthCheckResponse) => void,
  ): void;
  watch(request: { service: string }): ClientReadableStream<HealthCheckResponse>;
}

/** A client of the server's health service. */
export function healthClient(address: string): HealthClient {
  const definition = loadPackageDefinition(loadSync(healthProtoPath, LOADER_OPTIONS)) as unknown as {
    grpc: { health: { v1: { Health: ServiceClientConstructor } } };
  };
  return new definition.grpc.health.v1.Health(address, credentials.createInsecure()) as unknown as HealthClient;
}

/** Health/Check for `service`, with a deadline; resolves with the status. */
export function checkHealth(client: HealthClient, service: string): Promise<ServingStatus> {
  return new Promise((resolve, reject) => {
    client.check({ service }, new Metadata(), { deadline: Date.now() + 5_000 }, (error, response) =>
      error ? reject(error) : resolve(response.status),
    );
  });
}

interface ReflectionRequest {
  list_services?: string;
  file_containing_symbol?: string;
}

interface ReflectionResponse {
  message_response: 'list_services_response' | 'file_descriptor_response' | 'error_response';
  list_services_response?: { service: { name: string }[] };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_code: number; error_message: string };
}

interface ReflectionClient extends Client {
  ServerReflectionInfo(): ClientDuplexStream<ReflectionRequest, ReflectionResponse>;
}

const REFLECTION_PROTO = join(
  dirname(createRequire(import.meta.url).resolve('@grpc/reflection')),
  '../proto/grpc/reflection/v1/reflection.proto',
);

/**
 * Sends one request on grpc.reflection.v1.ServerReflection and resolves with
 * the single response; the client is closed afterwards.
 */
export function reflect(address: string, request: ReflectionRequest): Promise<ReflectionResponse> {
  const definition = loadPackageDefinition(loadSync(REFLECTION_PROTO, LOADER_OPTIONS)) as unknown as {
    grpc: { reflection: { v1: { ServerReflection: ServiceClientConstructor } } };
  };
  const client = new definition.grpc.reflection.v1.ServerReflection(
    address,
    credentials.createInsecure(),
  ) as unknown as ReflectionClient;
  return new Promise<ReflectionResponse>((resolve, reject) => {
    const stream = client.ServerReflectionInfo();
    let answer: ReflectionResponse | undefined;
    stream.on('data', (response: ReflectionResponse) => {
      answer = response;
      stream.end();
    });
    stream.on('error', reject);
    stream.on('end', () => (answer === undefined ? reject(new Error('reflection sent no response')) : resolve(answer)));
    stream.write(request);
  }).finally(() => client.close());
}
