/**
 * The MessagesService gRPC handlers: each maps the generated request to the
 * domain service and the domain result to the generated response.
 */
import type { MessagesServiceServer } from '../gen/herald/messages/v1/messages_service.js';
import type { MessagesService } from '../messages/messages-service.ts';
import { activityToProto, messageToProto } from './message-to-proto.ts';
import { unary, type CallEdge } from './unary.ts';

/** The grpc-js implementation of herald.messages.v1.MessagesService. */
export function messagesHandlers(service: MessagesService, edge: CallEdge): MessagesServiceServer {
  return {
    createMessage: unary('CreateMessage', edge, async (request) => {
      const { message, activities } = await service.createMessage(request);
      return { message: messageToProto(message), activities: activities.map(activityToProto) };
    }),
    addActivity: unary('AddActivity', edge, async (request) => {
      const { message, activity } = await service.addActivity(request);
      return { message: messageToProto(message), activity: activityToProto(activity) };
    }),
    getMessage: unary('GetMessage', edge, async (request) => ({
      message: messageToProto(await service.getMessage(request)),
    })),
    listMessages: unary('ListMessages', edge, async (request) => {
      const page = await service.listMessages(request);
      return { messages: page.items.map(messageToProto), nextPageToken: page.nextPageToken };
    }),
    markMessages: unary('MarkMessages', edge, async (request) => {
      const { messages, missing, unlisted } = await service.markMessages(request);
      return { messages: messages.map(messageToProto), missingMessageIds: missing, unlistedMessageIds: unlisted };
    }),
    listActivities: unary('ListActivities', edge, async (request) => {
      const page = await service.listActivities(request);
      return { activities: page.items.map(activityToProto), nextPageToken: page.nextPageToken };
    }),
  };
}
