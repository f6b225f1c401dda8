// The Users service from Node: identify a user, read it back, stream a bulk
// identify, and read a bad request's field violations.
// Run: USERS_SERVICE_ADDR=localhost:50051 npx tsx example.ts
import { credentials, type ServiceError } from '@grpc/grpc-js';
import {
  BulkIdentifyUsersRequest,
  type BulkIdentifyUsersResponse,
  decodeStatusDetails,
  type GetUserResponse,
  IdentifyUserRequest,
  UsersServiceClient,
} from '@herald/users-client';

const client = new UsersServiceClient(process.env['USERS_SERVICE_ADDR'] ?? 'localhost:50051', credentials.createInsecure());

/** grpc-js takes callbacks; a unary call as a promise. */
function call<Res>(start: (done: (error: ServiceError | null, response: Res) => void) => unknown): Promise<Res> {
  return new Promise((resolve, reject) => start((error, response) => (error ? reject(error) : resolve(response))));
}

const userId = `example-${Date.now()}`;
await call((done) =>
  client.identifyUser(
    // fromPartial fills every field left out with its default.
    IdentifyUserRequest.fromPartial({
      userId,
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      properties: { plan: 'pro', address: { city: 'London' }, tags: ['a', 'b'] },
    }),
    done,
  ),
);
const { user } = await call<GetUserResponse>((done) => client.getUser({ userId }, done));
console.log(`read back: ${user?.id} ${user?.name} properties=${JSON.stringify(user?.properties)}`);

// A client stream: up to 1000 users a message, one summary at the end.
const summary = await call<BulkIdentifyUsersResponse>((done) => {
  const stream = client.bulkIdentifyUsers(done);
  for (let first = 0; first < 3000; first += 1000) {
    const users = Array.from({ length: 1000 }, (_, i) => ({ userId: `${userId}-${first + i}`, name: `User ${first + i}`, email: `u${first + i}@example.com` }));
    stream.write(BulkIdentifyUsersRequest.fromPartial({ users }));
  }
  stream.end();
});
console.log(`bulk identify: created=${summary.created} updated=${summary.updated} rejected=${summary.rejected}`);

try {
  await call((done) => client.identifyUser(IdentifyUserRequest.fromPartial({ userId, email: 'not-an-email', phoneNumber: '555' }), done));
} catch (error) {
  const details = decodeStatusDetails((error as ServiceError).metadata);
  for (const violation of details?.badRequest?.fieldViolations ?? []) console.log(`bad request: ${violation.field}: ${violation.description}`);
  console.log(`reason: ${details?.errorInfo?.reason}`);
}
client.close();
