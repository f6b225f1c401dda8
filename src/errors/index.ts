export { AppError, type AppErrorOptions, type FieldViolation, type PreconditionViolation } from './app-error.ts';
export {
  decodeStatusDetails,
  ERROR_DOMAIN,
  MAX_STATUS_DETAILS_BYTES,
  STATUS_DETAILS_KEY,
  type StatusDetails,
  toServiceError,
  toStatus,
  TYPE_URLS,
} from './grpc-status.ts';
export { fromMongoError, isMongoError } from './mongo-errors.ts';
export { isReason, type NotFoundReason, REASONS, type Reason } from './reasons.ts';
export { VIOLATION_REASONS, type ViolationReason } from './violation-reasons.ts';
