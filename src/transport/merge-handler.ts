/**
 * The gRPC handler of UsersService.MergeUsers, served by the lifecycle
 * module (src/lifecycle) since a merge spans users and their messages.
 */
import type { UsersServiceServer } from '../gen/herald/users/v1/users_service.js';
import type { MergeService } from '../lifecycle/merge-service.ts';
import { userToProto } from './to-proto.ts';
import { unary, type CallEdge } from './unary.ts';

export function mergeHandlers(service: MergeService, edge: CallEdge): Pick<UsersServiceServer, 'mergeUsers'> {
  return {
    mergeUsers: unary('MergeUsers', edge, async (request) => {
      const result = await service.mergeUsers(request);
      return {
        user: userToProto(result.user),
        conflictingProperties: [...result.conflicts],
        conflictingPropertiesOmitted: result.conflictsOmitted,
        channelIdsAdded: [...result.channelIdsAdded],
        preferenceSetIdsAdded: [...result.preferenceSetIdsAdded],
        messagesMoved: result.messagesMoved,
        activitiesMoved: result.activitiesMoved,
        historyComplete: result.historyComplete,
      };
    }, { audit: (request) => ({ targets: [request.primaryUserId, request.secondaryUserId], dryRun: request.dryRun }) }),
  };
}
