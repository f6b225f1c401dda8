/**
 * The TypeScript client of herald.users.v1.UsersService and
 * herald.messages.v1.MessagesService, built into the package in
 * clients/typescript: the grpc-js client classes, every request,
 * response and resource type with its protobuf codec, and the decoder of the
 * error details the service sends.
 */
// Every generated file declares protobufPackage, DeepPartial and MessageFns;
// the service file's stand for all (the same package, identical helper
// types), so the other files' exports are listed by name.
export * from '../gen/herald/users/v1/users_service.js';
export { User } from '../gen/herald/users/v1/user.js';
export { ChannelData, ChannelDataInput } from '../gen/herald/users/v1/channel_data.js';
export {
  PreferenceSet,
  PreferenceSet_CategoriesEntry,
  PreferenceSet_ChannelTypesEntry,
  PreferenceSet_WorkflowsEntry,
  PreferenceSetting,
  PreferenceSetting_ChannelTypesEntry,
} from '../gen/herald/users/v1/preferences.js';
// herald.messages.v1: its own package, listed by name so that its
// protobufPackage and helper types do not clash with the users package's.
export {
  ActivityInput,
  AddActivityRequest,
  AddActivityResponse,
  CreateMessageRequest,
  CreateMessageResponse,
  GetMessageRequest,
  GetMessageResponse,
  ListActivitiesRequest,
  ListActivitiesResponse,
  ListMessagesRequest,
  ListMessagesResponse,
  MarkMessagesRequest,
  MarkMessagesResponse,
  MessageStatusChange,
  messageStatusChangeFromJSON,
  messageStatusChangeToJSON,
  MessagesServiceClient,
  MessagesServiceService,
  type MessagesServiceServer,
} from '../gen/herald/messages/v1/messages_service.js';
export { Activity, Message, MissingUser, UserReference } from '../gen/herald/messages/v1/message.js';
export {
  BadRequest,
  BadRequest_FieldViolation,
  ErrorInfo,
  PreconditionFailure,
  PreconditionFailure_Violation,
} from '../gen/google/rpc/error_details.js';
export { Status } from '../gen/google/rpc/status.js';
export * from './status-details.ts';
