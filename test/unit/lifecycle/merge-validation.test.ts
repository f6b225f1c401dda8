/**
 * MergeUsers' request rules: two valid, different user ids.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors/app-error.ts';
import { MergeUsersRequest } from '../../../src/gen/herald/users/v1/users_service.js';
import { validateMergeUsers } from '../../../src/lifecycle/merge-validation.ts';

function violations(request: Partial<MergeUsersRequest>): { field: string; reason: string }[] {
  try {
    validateMergeUsers(MergeUsersRequest.fromPartial(request));
    return [];
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return error.violations.map(({ field, reason }) => ({ field, reason }));
  }
}

// Ids the users validation accepts: printable, not blank, at most 256 characters.
const validId = fc.stringMatching(/^[A-Za-z0-9._:@-]{1,64}$/);

describe('validateMergeUsers', () => {
  it('takes any two different valid ids, and the dry-run flag as sent', () => {
    fc.assert(
      fc.property(validId, validId, fc.boolean(), (primary, secondary, dryRun) => {
        fc.pre(primary !== secondary);
        expect(validateMergeUsers(MergeUsersRequest.fromPartial({ primaryUserId: primary, secondaryUserId: secondary, dryRun }))).toEqual({
          primaryId: primary,
          secondaryId: secondary,
          dryRun,
        });
      }),
    );
  });

  it('refuses the same id twice, naming the secondary', () => {
    fc.assert(
      fc.property(validId, (id) => {
        expect(violations({ primaryUserId: id, secondaryUserId: id })).toEqual([{ field: 'secondary_user_id', reason: 'CONFLICT' }]);
      }),
    );
  });

  it('names each bad id, and compares ids by exact code points', () => {
    expect(violations({ primaryUserId: '', secondaryUserId: '' })).toEqual([
      { field: 'primary_user_id', reason: 'REQUIRED' },
      { field: 'secondary_user_id', reason: 'REQUIRED' },
    ]);
    expect(violations({ primaryUserId: 'x'.repeat(257), secondaryUserId: 'ok' })).toEqual([{ field: 'primary_user_id', reason: 'TOO_LONG' }]);
    // Two spellings of "é" are two users, as everywhere else in the API.
    expect(violations({ primaryUserId: '\u00e9', secondaryUserId: 'e\u0301' })).toEqual([]);
  });
});
