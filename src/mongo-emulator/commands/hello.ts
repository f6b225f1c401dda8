/**
 * `hello` (and the legacy `isMaster`/`ismaster`): describes the server as
 * the primary of a single-node replica set, which is what drivers need to
 * offer sessions, retryable writes and transactions. `topologyVersion` is
 * left out so that drivers poll instead of switching to the streaming
 * (exhaust) protocol, and no compression is offered.
 */
import { Long } from 'bson';
import type { Doc } from '../bson/bson-types.ts';
import { decodeClusterTime } from '../txn/cluster-time.ts';
import { MAX_BSON_OBJECT_SIZE, MAX_MESSAGE_SIZE } from '../wire/limits.ts';
import type { CommandContext, CommandSpec } from './command-context.ts';

/** Wire version advertised: 21 is MongoDB 7.0. */
export const MAX_WIRE_VERSION = 21;

function helloReply(ctx: CommandContext, legacy: boolean): Doc {
  const { server } = ctx;
  const now = new Date();
  const opTime = { ts: decodeClusterTime(server.engine.clock), t: Long.fromNumber(1) };
  const reply: Doc = {};
  if (legacy) reply['ismaster'] = true;
  else reply['isWritablePrimary'] = true;
  Object.assign(reply, {
    hosts: [server.address],
    setName: server.identity.replicaSetName,
    setVersion: 1,
    secondary: false,
    primary: server.address,
    me: server.address,
    electionId: server.electionId,
    lastWrite: { opTime, lastWriteDate: now, majorityOpTime: opTime, majorityWriteDate: now },
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    maxMessageSizeBytes: MAX_MESSAGE_SIZE,
    maxWriteBatchSize: 100_000,
    localTime: now,
    logicalSessionTimeoutMinutes: 30,
    connectionId: ctx.connectionId,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
    ok: 1,
  });
  if (ctx.command['helloOk'] === true) reply['helloOk'] = true;
  return reply;
}

// Drivers add handshake fields over time (client metadata, compression,
// backpressure, ...); MongoDB ignores the ones it does not know.
const HELLO_FIELDS = 'any';

/** hello, isMaster, ismaster. */
export const helloCommands: Record<string, CommandSpec> = {
  hello: { handler: (ctx) => helloReply(ctx, false), fields: HELLO_FIELDS, inTransaction: false },
  isMaster: { handler: (ctx) => helloReply(ctx, true), fields: HELLO_FIELDS, inTransaction: false },
  ismaster: { handler: (ctx) => helloReply(ctx, true), fields: HELLO_FIELDS, inTransaction: false },
};
