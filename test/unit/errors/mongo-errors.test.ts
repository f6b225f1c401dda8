import { status } from '@grpc/grpc-js';
import {
  MongoBulkWriteError,
  MongoClientClosedError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  MongoWriteConcernError,
} from 'mongodb';
import { describe, expect, it } from 'vitest';
import { fromMongoError, isMongoError, isTransientTransactionError } from '../../../src/errors/mongo-errors.ts';

const SECRET = 'mongodb://admin:pw@db-7.internal:27017 said no';

function server(code: number, errorLabels: string[] = []): MongoServerError {
  return new MongoServerError({ code, errmsg: SECRET, errorLabels });
}

// A stand-in for the topology description the driver attaches.
const topology = { type: 'Unknown', servers: new Map() } as unknown as ConstructorParameters<
  typeof MongoServerSelectionError
>[1];

describe('fromMongoError', () => {
  it.each([
    ['server selection timeout', new MongoServerSelectionError(SECRET, topology)],
    ['network error', new MongoNetworkError(SECRET)],
    ['network timeout', new MongoNetworkTimeoutError(SECRET)],
    ['not connected', new MongoNotConnectedError(SECRET)],
    ['NotWritablePrimary (10107)', server(10107)],
    ['PrimarySteppedDown (189)', server(189)],
    ['ShutdownInProgress (91)', server(91)],
    ['write concern timeout (64)', new MongoWriteConcernError({ writeConcernError: { code: 64, errmsg: SECRET } } as never)],
  ])('%s → UNAVAILABLE / DATABASE_UNAVAILABLE', (_name, err) => {
    const mapped = fromMongoError(err);
    expect(mapped.code).toBe(status.UNAVAILABLE);
    expect(mapped.reason).toBe('DATABASE_UNAVAILABLE');
  });

  it('maps a pool-cleared error (by its driver-internal name) to UNAVAILABLE', () => {
    const err = new MongoNetworkError(SECRET);
    Object.defineProperty(err, 'name', { value: 'MongoPoolClearedError' });
    expect(fromMongoError(err).reason).toBe('DATABASE_UNAVAILABLE');
  });

  it.each([
    ['WriteConflict (112)', server(112)],
    ['TransientTransactionError label', server(251, ['TransientTransactionError'])],
    ['duplicate key (11000)', server(11000)],
  ])('%s → ABORTED / WRITE_CONFLICT', (_name, err) => {
    const mapped = fromMongoError(err);
    expect(mapped.code).toBe(status.ABORTED);
    expect(mapped.reason).toBe('WRITE_CONFLICT');
  });

  it('maps a bulk write whose first error is a duplicate key to WRITE_CONFLICT', () => {
    const err = new MongoBulkWriteError(
      { message: SECRET, code: 11000, writeErrors: [] } as never,
      { insertedCount: 0 } as never,
    );
    expect(fromMongoError(err).reason).toBe('WRITE_CONFLICT');
  });

  it.each([
    ['MaxTimeMSExpired (50)', server(50)],
    ['client-side operation timeout', new MongoOperationTimeoutError(SECRET)],
  ])('%s → DEADLINE_EXCEEDED', (_name, err) => {
    expect(fromMongoError(err).code).toBe(status.DEADLINE_EXCEEDED);
  });

  it.each([
    ['client closed', new MongoClientClosedError()],
    ['topology closed', new MongoTopologyClosedError(SECRET)],
  ])('%s (our own shutdown) → UNAVAILABLE / SHUTTING_DOWN', (_name, err) => {
    const mapped = fromMongoError(err);
    expect(mapped.code).toBe(status.UNAVAILABLE);
    expect(mapped.reason).toBe('SHUTTING_DOWN');
  });

  it('maps any other server error to INTERNAL', () => {
    expect(fromMongoError(server(2)).reason).toBe('INTERNAL'); // BadValue: our bug
  });

  it('never puts the driver message on the AppError, only in its cause', () => {
    const original = server(10107);
    const mapped = fromMongoError(original);
    expect(mapped.message).not.toContain('db-7');
    expect(mapped.message).not.toContain('pw');
    expect(mapped.cause).toBe(original);
  });

  it('recognises driver errors from another copy of the driver by name', () => {
    const foreign = new Error('x');
    foreign.name = 'MongoServerSelectionError';
    expect(isMongoError(foreign)).toBe(true);
    expect(isMongoError(new Error('x'))).toBe(false);
    expect(isMongoError({ name: 'MongoError' })).toBe(false);
  });

  it.each(['EPIPE', 'ECONNRESET', 'ECONNREFUSED'])(
    'maps a bare socket error (%s) the driver let through to UNAVAILABLE, directly or as a cause',
    (code) => {
      const socket = Object.assign(new Error('This socket has been ended by the other party'), { code });
      expect(isMongoError(socket)).toBe(true);
      expect(fromMongoError(socket).reason).toBe('DATABASE_UNAVAILABLE');
      const wrapped = new Error('write failed', { cause: socket });
      expect(fromMongoError(wrapped).reason).toBe('DATABASE_UNAVAILABLE');
    },
  );

  it('does not take other Node errors for socket errors', () => {
    const missing = Object.assign(new Error('no such file'), { code: 'ENOENT' });
    expect(isMongoError(missing)).toBe(false);
  });
});

describe('isTransientTransactionError', () => {
  it.each([
    ['labelled by the server', server(112, ['TransientTransactionError']), true],
    ['WriteConflict without the label (DocumentDB)', server(112), true],
    ['serialization_failure, SQLSTATE 40001 (DocumentDB)', server(16_777_220), true],
    ['in_failed_sql_transaction, SQLSTATE 25P02 (DocumentDB)', server(33_685_826), true],
    ['a duplicate key', server(11000), false],
    ['an invalid operand', server(40400), false],
    ['not an error', 'no', false],
  ])('%s → %s', (_name, err, expected) => {
    expect(isTransientTransactionError(err)).toBe(expected);
  });

  it('maps DocumentDB conflicts that outlived the retries to ABORTED / WRITE_CONFLICT', () => {
    for (const code of [16_777_220, 33_685_826]) {
      expect(fromMongoError(server(code))).toMatchObject({ code: status.ABORTED, reason: 'WRITE_CONFLICT' });
    }
  });
});
