/**
 * Small server-level commands: ping, buildInfo, endSessions, and the
 * transaction verbs commitTransaction / abortTransaction (the dispatcher has
 * already resolved the transaction; these end it).
 */
import type { Doc } from '../bson/bson-types.ts';
import { CommandError, ErrorCode } from '../errors.ts';
import { sessionKeyOf } from '../txn/session-registry.ts';
import type { CommandSpec } from './command-context.ts';
import { MAX_BSON_OBJECT_SIZE } from '../wire/limits.ts';
import { MAX_WIRE_VERSION } from './hello.ts';

const VERSION = '7.0.0';

/** ping, buildInfo, endSessions, commitTransaction, abortTransaction. */
export const adminCommands: Record<string, CommandSpec> = {
  ping: { handler: () => ({ ok: 1 }), fields: [], inTransaction: false },
  buildInfo: {
    handler: () => ({
      version: VERSION,
      gitVersion: 'mongo-emulator',
      versionArray: [7, 0, 0, 0],
      bits: 64,
      debug: false,
      maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
      storageEngines: ['emulator'],
      modules: [],
      maxWireVersion: MAX_WIRE_VERSION,
      ok: 1,
    }),
    fields: [],
    inTransaction: false,
  },
  endSessions: {
    handler: (ctx) => {
      const list = ctx.command['endSessions'];
      if (!Array.isArray(list)) throw new CommandError(ErrorCode.TypeMismatch, 'endSessions must be an array');
      const keys = list.map((lsid) => sessionKeyOf({ lsid } as Doc)).filter((k): k is string => k !== undefined);
      ctx.server.sessions.endSessions(keys);
      return { ok: 1 };
    },
    fields: [],
    inTransaction: false,
  },
  commitTransaction: {
    handler: (ctx) => {
      // Reached only for an active transaction; a committed one is answered by the dispatcher.
      if (ctx.txn !== undefined) ctx.server.engine.commit(ctx.txn);
      return { ok: 1 };
    },
    fields: ['recoveryToken'],
    inTransaction: true,
  },
  abortTransaction: {
    handler: (ctx) => {
      if (ctx.txn !== undefined) ctx.server.sessions.abort(ctx.txn, 'aborted by the client');
      return { ok: 1 };
    },
    fields: ['recoveryToken'],
    inTransaction: true,
  },
};
