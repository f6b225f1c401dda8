/**
 * The UsersService gRPC handlers: each maps the generated request to the
 * domain service and the domain result to the generated response.
 */
import type { UsersServiceServer } from '../gen/herald/users/v1/users_service.js';
import type { UsersService } from '../users/users-service.ts';
import { channelDataToProto, preferenceSetToProto, userToProto } from './to-proto.ts';
import { unary, type CallEdge } from './unary.ts';

/** The grpc-js implementation of herald.users.v1.UsersService's unary methods. */
export function usersHandlers(
  service: UsersService,
  edge: CallEdge,
): Omit<UsersServiceServer, 'bulkIdentifyUsers' | 'streamIdentifyUsers'> {
  return {
    identifyUser: unary('IdentifyUser', edge, async (request) => {
      const { user, created } = await service.identifyUser(request);
      return { user: userToProto(user), created };
    }),
    getUser: unary('GetUser', edge, async (request) => ({
      user: userToProto(await service.getUser(request)),
    })),
    listUsers: unary('ListUsers', edge, async (request) => {
      const page = await service.listUsers(request);
      return { users: page.users.map(userToProto), nextPageToken: page.nextPageToken };
    }),
    deleteUser: unary(
      'DeleteUser',
      edge,
      async (request) => {
        await service.deleteUser(request);
        return {};
      },
      { audit: (request) => ({ targets: [request.userId] }) },
    ),
    bulkDeleteUsers: unary(
      'BulkDeleteUsers',
      edge,
      async (request) => {
        const { deleted, missing } = await service.bulkDeleteUsers(request);
        return { deletedUserIds: deleted, missingUserIds: missing };
      },
      { audit: (request) => ({ targets: [...request.userIds] }) },
    ),
    getChannelData: unary('GetChannelData', edge, async (request) => ({
      channelData: channelDataToProto(await service.getChannelData(request)),
    })),
    setChannelData: unary('SetChannelData', edge, async (request) => ({
      channelData: channelDataToProto(await service.setChannelData(request)),
    })),
    unsetChannelData: unary('UnsetChannelData', edge, async (request) => {
      await service.unsetChannelData(request);
      return {};
    }),
    getPreferences: unary('GetPreferences', edge, async (request) => ({
      preferenceSet: preferenceSetToProto(await service.getPreferences(request)),
    })),
    setPreferences: unary('SetPreferences', edge, async (request) => ({
      preferenceSet: preferenceSetToProto(await service.setPreferences(request)),
    })),
    listPreferences: unary('ListPreferences', edge, async (request) => ({
      preferenceSets: (await service.listPreferences(request)).map(preferenceSetToProto),
    })),
  };
}
