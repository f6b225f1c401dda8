/**
 * A seam into the stores' transactions for tests, with no change to src/.
 * Every store write that spans documents runs `inTransaction(db.client, work)`:
 * `client.startSession()`, then `session.withTransaction(work)`. A
 * UsersDatabase whose client wraps those two calls lets a test act inside
 * each attempt of the transaction, in its session, before or after the
 * store's own work: pause it at a known point, look at what it sees, or make
 * it abort. Ordering then comes from awaited events, never from timing.
 */
import { userReplySize } from '../../src/transport/to-proto.ts';
import type { ClientSession, Db, MongoClient } from 'mongodb';
import { usersDatabase, type UsersDatabase } from '../../src/users/database.ts';
import { ChannelDataStore } from '../../src/users/channel-data-store.ts';
import { PreferenceStore } from '../../src/users/preference-store.ts';
import { UserStore } from '../../src/users/user-store.ts';
import { UsersService } from '../../src/users/users-service.ts';

/**
 * Runs around one attempt of a transaction callback: `work` is the store's
 * callback bound to `session`; `attempt` counts from 1 and grows each time
 * the driver retries the callback after a TransientTransactionError. What
 * the hook returns or throws is what the callback returns or throws.
 */
export type AroundAttempt = <T>(session: ClientSession, work: () => Promise<T>, attempt: number) => Promise<T>;

/** `client`, except that every session it starts runs `around` each transaction attempt. */
export function hookedClient(client: MongoClient, around: AroundAttempt): MongoClient {
  const startSession = (...args: Parameters<MongoClient['startSession']>): ClientSession => {
    const session = client.startSession(...args);
    const withTransaction = session.withTransaction.bind(session);
    let attempt = 0;
    const hooked = <T>(fn: (s: ClientSession) => Promise<T>, options?: Parameters<ClientSession['withTransaction']>[1]) =>
      withTransaction((s: ClientSession) => {
        attempt += 1;
        return around(s, () => fn(s), attempt);
      }, options);
    session.withTransaction = hooked as ClientSession['withTransaction'];
    return session;
  };
  return new Proxy(client, {
    get(target, property) {
      if (property === 'startSession') return startSession;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * A UsersService on `db` whose every transaction runs through `around`.
 * Reads outside transactions are untouched.
 */
export function hookedUsersService(client: MongoClient, db: Db, around: AroundAttempt): UsersService {
  const database: UsersDatabase = usersDatabase(hookedClient(client, around), db);
  const users = new UserStore(database);
  return new UsersService({
    users,
    channelData: new ChannelDataStore(database, users),
    preferences: new PreferenceStore(database, users),
  }, userReplySize);
}

/** A promise with its resolve function, to wait on an event or release a pause. */
export function signal(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { promise, fire };
}
