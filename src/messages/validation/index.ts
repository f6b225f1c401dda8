/**
 * MessagesService request validation: generated requests in, domain
 * commands and queries out, or INVALID_ARGUMENT listing every problem.
 */
export {
  validateAddActivity,
  validateCreateMessage,
  validateListActivities,
  validateListMessages,
  validateMarkMessages,
  validateMessageRef,
} from './requests.ts';
