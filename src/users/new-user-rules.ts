/**
 * The rule that a user is created only with a name and an email.
 */
import { AppError } from '../errors/app-error.ts';
import type { ProfilePatch } from './model.ts';

const REQUIRED_FOR_NEW_USER = ['name', 'email'] as const;

/**
 * The error for an identify that would create a user without a name or an
 * email: one field violation per missing field.
 */
export function newUserIncomplete(profile: ProfilePatch): AppError {
  const missing = REQUIRED_FOR_NEW_USER.filter((field) => profile[field] === undefined);
  return AppError.invalid(
    missing.map((field) => ({
      field,
      reason: 'REQUIRED',
      description: `${field} is required when the user does not exist yet`,
    })),
  );
}
