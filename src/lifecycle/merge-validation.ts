/**
 * MergeUsers' request rules: two valid user ids that differ. Merging a user
 * into itself would delete it: refused before anything is read.
 */
import type { MergeUsersRequest } from '../gen/herald/users/v1/users_service.js';
import { quote, Violations } from '../errors/violations.ts';
import { checkUserId } from '../users/validation/strings.ts';
import type { MergeCommand } from './user-fold.ts';

export function validateMergeUsers(request: MergeUsersRequest): MergeCommand {
  const v = new Violations();
  const primaryId = checkUserId(request.primaryUserId, 'primary_user_id', v);
  const secondaryId = checkUserId(request.secondaryUserId, 'secondary_user_id', v);
  if (primaryId !== undefined && primaryId === secondaryId) {
    v.add('secondary_user_id', 'CONFLICT', `is ${quote(secondaryId)}, the primary itself; a user cannot be merged into itself`);
  }
  v.throwIfAny();
  if (primaryId === undefined || secondaryId === undefined) throw new Error('unreachable: validation lost a violation');
  return { primaryId, secondaryId, dryRun: request.dryRun };
}
