/**
 * Request validation: pure functions that turn generated request messages
 * into the domain commands of ../model.ts, or throw INVALID_ARGUMENT with
 * one field violation per problem, all problems at once.
 */
export { validateIdentifyUser, type ValidateOptions } from './identify.ts';
export {
  validateBulkDelete,
  validateChannelRef,
  validateListUsers,
  validatePreferenceSetRef,
  validateSetChannelData,
  validateSetPreferences,
  validateUserRef,
} from './requests.ts';
