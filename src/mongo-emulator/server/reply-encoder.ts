/**
 * Turns a command's reply into wire bytes without ever letting an encoding
 * failure escape: a reply that cannot be encoded (over the BSON or message
 * size limit, or a value BSON cannot represent) becomes an error reply to
 * that command, as mongod answers a reply it cannot build, and the
 * connection carries on. Whatever the failed reply set up that the client
 * will now never learn about is undone: the cursor it opened is killed and
 * the transaction it ran in is aborted (an error inside a transaction
 * aborts it on MongoDB too).
 */
import { Long } from 'bson';
import { isPlainDoc, type Doc } from '../bson/bson-types.ts';
import { CommandError, ErrorCode } from '../errors.ts';
import { encodeMsg, encodeReply, type DecodedRequest } from '../wire/message-codec.ts';
import type { ServerState } from './server-state.ts';

/** Encodes `reply` for `request`; undefined only if even an error reply cannot be encoded. */
export function encodeReplyFor(server: ServerState, request: DecodedRequest, reply: Doc, responseId: number): Buffer | undefined {
  const encode = (doc: Doc): Buffer =>
    request.kind === 'query'
      ? encodeReply(responseId, request.header.requestId, doc)
      : encodeMsg(responseId, request.header.requestId, doc);
  try {
    return encode(reply);
  } catch (thrown) {
    const error =
      thrown instanceof CommandError
        ? thrown
        : new CommandError(ErrorCode.InternalError, `the reply could not be encoded as BSON: ${thrown instanceof Error ? thrown.message : String(thrown)}`);
    undoReply(server, request.command, reply, error.message);
    try {
      return encode(error.toReply());
    } catch {
      return undefined;
    }
  }
}

function undoReply(server: ServerState, command: Doc, reply: Doc, reason: string): void {
  const cursor = reply['cursor'];
  if (isPlainDoc(cursor)) {
    const id = cursor['id'];
    if (id instanceof Long && !id.isZero()) server.cursors.kill(id);
  }
  const txn = server.sessions.activeTransactionOf(command);
  if (txn !== undefined) server.sessions.abort(txn, reason);
}
