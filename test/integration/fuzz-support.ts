/**
 * What every fuzzed call must satisfy, shared by the fuzz suites of both
 * services: a status the API documents, and for INVALID_ARGUMENT a decodable
 * google.rpc.Status whose BadRequest names at least one field.
 */
import { status, type Metadata } from '@grpc/grpc-js';
import { expect } from 'vitest';
import { decodeStatusDetails } from '../../src/errors/grpc-status.ts';

/** How a call ended, as a raw or typed client saw it. */
export interface Ended {
  readonly code: status;
  readonly details: string;
  readonly trailers: Metadata;
}

export function expectWellFormedStatus(documented: ReadonlySet<status>, where: string, ended: Ended): void {
  expect(documented.has(ended.code), `${where}: status ${status[ended.code]} "${ended.details}"`).toBe(true);
  if (ended.code !== status.INVALID_ARGUMENT) return;
  const details = decodeStatusDetails(ended.trailers);
  expect(details, `${where}: INVALID_ARGUMENT without grpc-status-details-bin ("${ended.details}")`).toBeDefined();
  const violations = details?.badRequest?.fieldViolations ?? [];
  expect(violations.length, `${where}: INVALID_ARGUMENT without a field violation ("${ended.details}")`).toBeGreaterThan(0);
}
