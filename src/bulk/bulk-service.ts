/**
 * Bulk identify, both ways of calling it: one response when the stream
 * ends (BulkIdentifyUsers), or an acknowledgement after every committed
 * batch (StreamIdentifyUsers). Both read the stream through identifyStream.
 */
import type { UsersDatabase } from '../users/database.ts';
import type {
  BulkIdentifyUsersRequest,
  BulkIdentifyUsersResponse,
  RejectedUser,
  StreamIdentifyUsersRequest,
  StreamIdentifyUsersResponse,
} from '../gen/herald/users/v1/users_service.js';
import type { Rejection } from './batch-writer.ts';
import { identifyStream, type BulkLimits, type StreamTotals } from './identify-stream.ts';

/** How many rejected records BulkIdentifyUsers lists; the rest are counted. */
export const MAX_LISTED_REJECTIONS = 1000;

/** What a stream call gives the service besides its messages. */
export interface BulkCall {
  readonly stopped: () => boolean;
  readonly annotate: (fields: Record<string, number | boolean>) => void;
}

function rejectedUser(rejection: Rejection): RejectedUser {
  return {
    position: rejection.position,
    userId: rejection.userId,
    violations: rejection.violations.map((v) => ({ field: v.field, reason: v.reason, description: v.description })),
  };
}

function annotateTotals(call: BulkCall, totals: StreamTotals): void {
  call.annotate({ received: totals.received, created: totals.created, updated: totals.updated, rejected: totals.rejected });
}

/** The bulk identify operations. */
export class BulkService {
  constructor(
    private readonly db: UsersDatabase,
    private readonly limits: BulkLimits,
  ) {}

  /** Reads the whole stream, then answers its counts and first rejections. */
  async bulkIdentify(messages: AsyncIterable<BulkIdentifyUsersRequest>, call: BulkCall): Promise<BulkIdentifyUsersResponse> {
    const totals = await identifyStream(messages, {
      db: this.db,
      limits: this.limits,
      stopped: call.stopped,
      keepRejections: MAX_LISTED_REJECTIONS,
    });
    annotateTotals(call, totals);
    return {
      received: totals.received,
      created: totals.created,
      updated: totals.updated,
      rejected: totals.rejected,
      rejections: totals.rejections.map(rejectedUser),
      rejectionsOmitted: totals.rejectionsOmitted,
    };
  }

  /** Reads the stream, acknowledging each committed batch through `send`. */
  async streamIdentify(
    messages: AsyncIterable<StreamIdentifyUsersRequest>,
    send: (ack: StreamIdentifyUsersResponse) => Promise<void>,
    call: BulkCall,
  ): Promise<void> {
    const totals = await identifyStream(messages, {
      db: this.db,
      limits: this.limits,
      stopped: call.stopped,
      keepRejections: 0,
      onBatch: (nextPosition, outcome) =>
        send({
          nextPosition,
          created: outcome.created,
          updated: outcome.updated,
          rejections: outcome.rejections.map(rejectedUser),
        }),
    });
    annotateTotals(call, totals);
  }
}
