/**
 * The server around the API: health, reflection, message size limit, request
 * ids, call logging, and a clean stop.
 */
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { GetUserRequest, UsersServiceClient } from '../../src/gen/herald/users/v1/users_service.js';
import { counts, expectError, newUser, requestIdMetadata, uniqueId } from './fixtures.ts';
import { grpcError, startTestService } from './harness.ts';
import { checkHealth, healthClient, reflect } from './service-clients.ts';

const service = await startTestService();
const { api, client, address, logs } = service;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** GetUser with `metadata`; resolves with the response headers and the outcome. */
function getUserWithHeaders(userId: string, metadata = new Metadata()) {
  return new Promise<{ headers: Metadata; error: ServiceError | null }>((resolve) => {
    let headers = new Metadata();
    const call = client.getUser(GetUserRequest.fromPartial({ userId }), metadata, (error) => resolve({ headers, error }));
    call.on('metadata', (received: Metadata) => {
      headers = received;
    });
  });
}

/** The log lines that carry `requestId`. */
function linesOf(requestId: string): Record<string, unknown>[] {
  return logs.filter((line) => line['requestId'] === requestId);
}

describe('health', () => {
  it('answers SERVING for the server and for the users service, NOT_FOUND for others', async () => {
    const health = healthClient(address);
    try {
      expect(await checkHealth(health, '')).toBe('SERVING');
      expect(await checkHealth(health, 'herald.users.v1.UsersService')).toBe('SERVING');
      const error = (await checkHealth(health, 'no.such.Service').catch((e: unknown) => e)) as ServiceError;
      expect(error.code).toBe(status.NOT_FOUND);
    } finally {
      health.close();
    }
  });
});

describe('reflection', () => {
  it('lists the users service, health and reflection', async () => {
    const response = await reflect(address, { list_services: '' });
    const names = response.list_services_response?.service.map((s) => s.name) ?? [];
    expect(names).toEqual(expect.arrayContaining(['herald.users.v1.UsersService', 'grpc.health.v1.Health']));
  });

  it('describes the users service and its error details', async () => {
    for (const symbol of ['herald.users.v1.UsersService', 'google.rpc.ErrorInfo', 'google.rpc.BadRequest']) {
      const response = await reflect(address, { file_containing_symbol: symbol });
      expect(response.message_response, JSON.stringify(response.error_response)).toBe('file_descriptor_response');
      const files = response.file_descriptor_response?.file_descriptor_proto ?? [];
      expect(files.length).toBeGreaterThan(0);
      expect(Buffer.concat(files).toString('latin1')).toContain(symbol.split('.').pop());
    }
  });
});

describe('request ids', () => {
  it("echoes the caller's x-request-id, on success and on error", async () => {
    const user = newUser();
    await api.identifyUser(user);
    const ok = await getUserWithHeaders(user.userId, requestIdMetadata('caller-id-123'));
    expect(ok.error).toBeNull();
    expect(ok.headers.get('x-request-id')).toEqual(['caller-id-123']);

    const failed = await getUserWithHeaders(uniqueId('ghost'), requestIdMetadata('caller-id-456'));
    expect(failed.error?.code).toBe(status.NOT_FOUND);
    expect(failed.headers.get('x-request-id')).toEqual(['caller-id-456']);
  });

  it('makes a fresh one when none is sent or the one sent is unusable', async () => {
    const first = await getUserWithHeaders('whoever');
    const second = await getUserWithHeaders('whoever');
    const [a] = first.headers.get('x-request-id');
    const [b] = second.headers.get('x-request-id');
    expect(a).toMatch(UUID);
    expect(b).toMatch(UUID);
    expect(a).not.toBe(b);

    for (const unusable of ['has spaces', 'x'.repeat(129)]) {
      const { headers } = await getUserWithHeaders('whoever', requestIdMetadata(unusable));
      expect(headers.get('x-request-id')).toEqual([expect.stringMatching(UUID)]);
    }
  });
});

describe('call log', () => {
  it('writes one line per call with method, code, durationMs and requestId', async () => {
    const user = newUser();
    await api.identifyUser(user, requestIdMetadata('log-identify'));
    await getUserWithHeaders(user.userId, requestIdMetadata('log-get'));
    await getUserWithHeaders(uniqueId('ghost'), requestIdMetadata('log-missing'));

    const expected = [
      ['log-identify', 'IdentifyUser', 'OK'],
      ['log-get', 'GetUser', 'OK'],
      ['log-missing', 'GetUser', 'NOT_FOUND'],
    ] as const;
    for (const [requestId, method, code] of expected) {
      const lines = linesOf(requestId);
      expect(lines, requestId).toHaveLength(1);
      expect(lines[0]).toMatchObject({ requestId, method, code, durationMs: expect.any(Number) });
      expect(lines[0]?.['durationMs']).toBeGreaterThanOrEqual(0);
    }
    expect(linesOf('log-missing')[0]).toMatchObject({ reason: 'USER_NOT_FOUND' });
  });

  it('never contains the email or phone number sent, not even when the call fails', async () => {
    const email = `secret.${uniqueId('mail')}@private-example.org`;
    const phone = '+15550001234';
    const user = newUser({ email, phoneNumber: phone, properties: { home: 'Secret Street 1' } });
    await api.identifyUser(user, requestIdMetadata('pii-ok'));
    const badEmail = `not-an-email-${uniqueId('bad')}`;
    await grpcError(api.identifyUser(newUser({ email: badEmail, phoneNumber: '+1555000999x' }), requestIdMetadata('pii-bad')));

    expect(linesOf('pii-ok')).toHaveLength(1);
    expect(linesOf('pii-bad')).toMatchObject([{ code: 'INVALID_ARGUMENT' }]);
    const text = logs.map((line) => JSON.stringify(line)).join('\n');
    for (const secret of [email, phone, badEmail, '+1555000999x', 'Secret Street']) expect(text).not.toContain(secret);
  });
});

describe('limits', () => {
  it('refuses a request over the maximum receive size with RESOURCE_EXHAUSTED and writes nothing', async () => {
    const small = await startTestService({ maxReceiveMessageBytes: 1024 });
    try {
      const big = newUser({ properties: { blob: 'x'.repeat(4096) } });
      const error = (await small.api.identifyUser(big).catch((e: unknown) => e)) as ServiceError;
      expect(status[error.code]).toBe('RESOURCE_EXHAUSTED');
      expect(await counts(small.mongo.db, big.userId)).toEqual({ users: 0, channelData: 0, preferenceSets: 0 });

      // Requests under the limit still work on the same server.
      const fine = newUser();
      expect((await small.api.identifyUser(fine)).created).toBe(true);
    } finally {
      await small.stop();
    }
  });
});

describe('stop', () => {
  it('resolves, after which the server refuses new calls with UNAVAILABLE', async () => {
    const doomed = await startTestService();
    const user = newUser();
    await doomed.api.identifyUser(user);
    const other = new UsersServiceClient(doomed.address, credentials.createInsecure());
    const health = healthClient(doomed.address);
    try {
      expect(await checkHealth(health, '')).toBe('SERVING');
      await doomed.stop();
      const refused = await new Promise<ServiceError | null>((resolve) => {
        other.getUser(GetUserRequest.fromPartial({ userId: user.userId }), (error) => resolve(error));
      });
      expect(refused?.code).toBe(status.UNAVAILABLE);
      const healthError = (await checkHealth(health, '').catch((e: unknown) => e)) as ServiceError;
      expect(healthError.code).toBe(status.UNAVAILABLE);
      // stop() is idempotent.
      await doomed.stop();
    } finally {
      other.close();
      health.close();
    }
    // The file's first service is unaffected.
    await expectError(api.getUser({ userId: user.userId }), status.NOT_FOUND, 'USER_NOT_FOUND');
  });
});
