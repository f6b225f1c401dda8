/**
 * Request decoding that refuses what ts-proto's decoders would quietly
 * change. Every method's request bytes pass the strict wire check first
 * (src/protobuf/wire-check.ts); only clean bytes reach the generated
 * decoder. A rejected request is not an exception here: grpc-js would turn
 * a throwing deserializer into INTERNAL "Error deserializing request" and
 * never call the handler, so nothing would be logged. Instead the decoder
 * returns a marker that the handler wrapper answers with INVALID_ARGUMENT,
 * through the same path, and the same log line, as every other call.
 */
import type { ServiceDefinition } from '@grpc/grpc-js';
import type { DescField, DescService, FileRegistry } from '@bufbuild/protobuf';
import { AppError } from '../errors/app-error.ts';
import { Violations } from '../errors/violations.ts';
import { checkWire, type FieldRule } from '../protobuf/wire-check.ts';

const REJECTION = Symbol('rejected request');

interface Rejected {
  readonly [REJECTION]: AppError;
}

/** The error a request was rejected with while decoding, or undefined for a decoded request. */
export function rejectionOf(request: unknown): AppError | undefined {
  return typeof request === 'object' && request !== null && REJECTION in request
    ? (request as Rejected)[REJECTION]
    : undefined;
}

function rejected(error: AppError): Rejected {
  return Object.freeze({ [REJECTION]: error });
}

/** Resolves rules keyed by full field name ("pkg.Message.field") to the registry's descriptors. */
export function resolveFieldRules(
  registry: FileRegistry,
  rules: Readonly<Record<string, FieldRule>>,
): ReadonlyMap<DescField, FieldRule> {
  const resolved = new Map<DescField, FieldRule>();
  for (const [name, rule] of Object.entries(rules)) {
    const dot = name.lastIndexOf('.');
    const field = registry.getMessage(name.slice(0, dot))?.fields.find((f) => f.name === name.slice(dot + 1));
    // A rule that names no field would silently protect nothing: fail at start-up.
    if (field === undefined) throw new Error(`request rule names an unknown field: ${name}`);
    resolved.set(field, rule);
  }
  return resolved;
}

/**
 * `definition` with every method's request deserializer made strict. The
 * generated decoder is kept for the bytes that pass; its own failures are
 * caught too, so no request ever fails as INTERNAL while decoding.
 */
export function strictService<S extends ServiceDefinition>(
  definition: S,
  service: DescService,
  rules: ReadonlyMap<DescField, FieldRule>,
): S {
  const strict: Record<string, unknown> = {};
  for (const [key, method] of Object.entries(definition)) {
    const name = method.path.slice(method.path.lastIndexOf('/') + 1);
    const input = service.methods.find((m) => m.name === name)?.input;
    if (input === undefined) throw new Error(`${service.typeName} has no method ${name}`);
    const decode = method.requestDeserialize;
    strict[key] = {
      ...method,
      requestDeserialize: (bytes: Buffer): unknown => {
        const v = new Violations();
        checkWire(input, bytes, rules, v);
        const error = v.toError();
        if (error !== undefined) return rejected(error);
        try {
          return decode(bytes);
        } catch (cause) {
          return rejected(
            new AppError('INVALID_ARGUMENT', `the request could not be decoded as ${input.typeName}`, { cause }),
          );
        }
      },
    };
  }
  return strict as S;
}
