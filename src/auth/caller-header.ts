/**
 * How the auth interceptor hands the authenticated caller to the handlers:
 * `via:name` under CALLER_METADATA_KEY, set only by the interceptor (which
 * first removes whatever a client sent under that key).
 */
import type { Metadata } from '@grpc/grpc-js';
import { CALLER_METADATA_KEY, type Caller } from './caller.ts';

/** The name log lines use for a call when no authentication is configured (or the method is open). */
export const ANONYMOUS = 'anonymous';

const VIAS: ReadonlySet<string> = new Set<Caller['via']>(['api-key', 'certificate']);

/** The header's value for `caller`. */
export function callerHeaderValue(caller: Caller): string {
  return `${caller.via}:${caller.name}`;
}

/** Who the interceptor said is calling: the caller's name and how it proved it; undefined when no one did. */
export function callerFromMetadata(metadata: Metadata): { name: string; via: Caller['via'] } | undefined {
  const [value] = metadata.get(CALLER_METADATA_KEY);
  if (typeof value !== 'string') return undefined;
  const colon = value.indexOf(':');
  const via = value.slice(0, colon);
  if (colon < 0 || !VIAS.has(via)) return undefined;
  return { name: value.slice(colon + 1), via: via as Caller['via'] };
}
