/**
 * The API's descriptors, as `buf build` wrote them (`npm run generate`):
 * everything in proto/, well-known types included, comments kept; and the
 * health service's proto as grpc-health-check ships it. Reflection serves
 * them byte for byte; the strict request check reads them as a registry.
 */
import { readFileSync } from 'node:fs';
import { createFileRegistry, fromBinary, type FileRegistry } from '@bufbuild/protobuf';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';

const API_DESCRIPTOR_SET = new URL('../gen/descriptor-set.binpb', import.meta.url);
const HEALTH_DESCRIPTOR_SET = new URL('../gen/health-descriptor-set.binpb', import.meta.url);

/** The FileDescriptorProtos of a FileDescriptorSet, byte for byte. */
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
 * Every file descriptor the server describes through reflection, as buf
 * encoded them: descriptors rebuilt by proto-loader lose their import lists
 * and misname map entries, and grpcurl then cannot resolve
 * google.protobuf.Struct (grpc-node issue 2958) or the health service.
 */
export function reflectionFileDescriptors(): Buffer[] {
  return [API_DESCRIPTOR_SET, HEALTH_DESCRIPTOR_SET].flatMap((url) => fileDescriptorProtos(readFileSync(url)));
}

let registry: FileRegistry | undefined;

/** The API's messages and services, for code that reads messages by their schema. */
export function apiRegistry(): FileRegistry {
  registry ??= createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(API_DESCRIPTOR_SET)));
  return registry;
}
