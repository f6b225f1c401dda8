/**
 * The UsersService gRPC handlers: each maps the generated request to the
 * domain service and the domain result to the generated response.
 */
import type { Logger } from 'pino';
import type { UsersServiceServer } from '../gen/herald/users/v1/users_service.js';
import type { UsersService } from '../users/users-service.ts';
import { channelDataToProto, preferenceSetToProto, userToProto } from './to-proto.ts';
import { unary } from './unary.ts';

/** The grpc-js implementation of herald.users.v1.UsersService. */
export function usersHandlers(service: UsersService, logger: Logger): UsersServiceServer {
  return {
    identifyUser: unary('IdentifyUser', logger, async (request) => {
      const { user, created } = await service.identifyUser(request);
      return { user: userToProto(user), created };
    }),
    getUser: unary('GetUser', logger, async (request) => ({
      user: userToProto(await service.getUser(request)),
    })),
    listUsers: unary('ListUsers', logger, async (request) => {
      const page = await service.listUsers(request);
      return { users: page.users.map(userToProto), nextPageToken: page.nextPageToken };
    }),
    deleteUser: unary('DeleteUser', logger, async (request) => {
      await service.deleteUser(request);
      return {};
    }),
    getChannelData: unary('GetChannelData', logger, async (request) => ({
      channelData: channelDataToProto(await service.getChannelData(request)),
    })),
    setChannelData: unary('SetChannelData', logger, async (request) => ({
      channelData: channelDataToProto(await service.setChannelData(request)),
    })),
    unsetChannelData: unary('UnsetChannelData', logger, async (request) => {
      await service.unsetChannelData(request);
      return {};
    }),
    getPreferences: unary('GetPreferences', logger, async (request) => ({
      preferenceSet: preferenceSetToProto(await service.getPreferences(request)),
    })),
    setPreferences: unary('SetPreferences', logger, async (request) => ({
      preferenceSet: preferenceSetToProto(await service.setPreferences(request)),
    })),
    listPreferences: unary('ListPreferences', logger, async (request) => ({
      preferenceSets: (await service.listPreferences(request)).map(preferenceSetToProto),
    })),
  };
}
