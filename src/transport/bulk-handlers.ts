/**
 * The gRPC handlers of the bulk identify streams.
 */
import type { UsersServiceServer } from '../gen/herald/users/v1/users_service.js';
import type { BulkService } from '../bulk/bulk-service.ts';
import { bidiStream, clientStream } from './streaming.ts';
import type { CallEdge } from './unary.ts';

/** BulkIdentifyUsers and StreamIdentifyUsers. */
export function bulkHandlers(
  bulk: BulkService,
  edge: CallEdge,
): Pick<UsersServiceServer, 'bulkIdentifyUsers' | 'streamIdentifyUsers'> {
  return {
    bulkIdentifyUsers: clientStream('BulkIdentifyUsers', edge, (messages, context) => bulk.bulkIdentify(messages, context)),
    streamIdentifyUsers: bidiStream('StreamIdentifyUsers', edge, (messages, send, context) =>
      bulk.streamIdentify(messages, send, context),
    ),
  };
}
