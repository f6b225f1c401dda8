/**
 * End to end with the real grpcurl binary, as an engineer debugging the
 * service would use it: reflection only, no .proto files.
 *
 * grpcurl is found through $GRPCURL, then $PATH, then Go's install folder
 * ($GOBIN or $HOME/go/bin), where `.ci/run` puts it with `go install`.
 */
import { describe, expect, it } from 'vitest';
import { findGrpcurl, NO_GRPCURL, runGrpcurl } from '../support/grpcurl.ts';
import { startTestService } from './harness.ts';

const grpcurl = findGrpcurl();
const reason = NO_GRPCURL;
if (grpcurl === undefined) console.warn(`[grpcurl.test] ${reason}`);

describe.skipIf(grpcurl === undefined)(`grpcurl against the running service${grpcurl === undefined ? ` (${reason})` : ''}`, async () => {
  const service = await startTestService();

  /** Runs grpcurl in plaintext; resolves with its output, and its exit code when it fails. */
  const grpc = (...args: string[]) => runGrpcurl(grpcurl as string, ['-plaintext', ...args]);

  it('lists the services through reflection', async () => {
    const { code, stdout } = await grpc(service.address, 'list');
    expect(code).toBe(0);
    expect(stdout.split('\n')).toEqual(
      expect.arrayContaining(['herald.users.v1.UsersService', 'grpc.health.v1.Health']),
    );
  });

  it('describes the API with the documentation from the .proto files', async () => {
    const { code, stdout } = await grpc(service.address, 'describe', 'herald.users.v1.IdentifyUserRequest');
    expect(code).toBe(0);
    expect(stdout).toContain('E.164 phone number');
    expect(stdout).toContain('.herald.users.v1.TraitMode trait_mode = 9;');
  });

  it('identifies, gets, lists and deletes a user', async () => {
    const identified = await grpc(
      '-d',
      JSON.stringify({
        user_id: 'grpcurl-ada',
        name: 'Ada Lovelace',
        email: 'ada@example.com',
        phone_number: '+14155550123',
        properties: { plan: 'pro', seats: 3 },
      }),
      service.address,
      'herald.users.v1.UsersService/IdentifyUser',
    );
    expect(identified.code).toBe(0);
    const body = JSON.parse(identified.stdout) as { user: Record<string, unknown>; created: boolean };
    expect(body.created).toBe(true);
    expect(body.user).toMatchObject({ id: 'grpcurl-ada', name: 'Ada Lovelace', properties: { plan: 'pro', seats: 3 } });

    const got = await grpc('-d', '{"user_id": "grpcurl-ada"}', service.address, 'herald.users.v1.UsersService/GetUser');
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout)).toMatchObject({ user: { id: 'grpcurl-ada', email: 'ada@example.com' } });

    const listed = await grpc('-d', '{"page_size": 10}', service.address, 'herald.users.v1.UsersService/ListUsers');
    expect(listed.code).toBe(0);
    const ids = (JSON.parse(listed.stdout) as { users: { id: string }[] }).users.map((user) => user.id);
    expect(ids).toContain('grpcurl-ada');

    const deleted = await grpc('-d', '{"user_id": "grpcurl-ada"}', service.address, 'herald.users.v1.UsersService/DeleteUser');
    expect(deleted.code).toBe(0);
    const gone = await grpc('-d', '{"user_id": "grpcurl-ada"}', service.address, 'herald.users.v1.UsersService/GetUser');
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('Code: NotFound');
  });

  it('shows a bad request with its field violations', async () => {
    const bad = await grpc(
      '-d',
      '{"user_id": "grpcurl-bad", "name": "Bad", "email": "not-an-email", "phone_number": "555"}',
      service.address,
      'herald.users.v1.UsersService/IdentifyUser',
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('Code: InvalidArgument');
    // The details are decoded through reflection: BadRequest names each field.
    expect(bad.stderr).toContain('type.googleapis.com/google.rpc.BadRequest');
    expect(bad.stderr).toContain('"field": "email"');
    expect(bad.stderr).toContain('"field": "phone_number"');
    expect(await service.mongo.db.collection('users').countDocuments({ _id: 'grpcurl-bad' as never })).toBe(0);
  });

  it('answers the standard health check', async () => {
    const { code, stdout } = await grpc(service.address, 'grpc.health.v1.Health/Check');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ status: 'SERVING' });
  });
});
