/**
 * The collections the lifecycle operations (merge) keep, with their indexes.
 */
import type { CollectionSpec } from '../db/indexes.ts';
import { LIFECYCLE_COLLECTIONS } from './merge-documents.ts';

export const LIFECYCLE_COLLECTIONS_SPECS: readonly CollectionSpec[] = [
  {
    name: LIFECYCLE_COLLECTIONS.merges,
    indexes: [
      // Reads resolve a missing user's references through the merges that
      // folded that user (and incarnation) into another.
      { key: { 'secondary.id': 1, 'secondary.uid': 1 }, name: 'secondary' },
      // Start-up resumes the moves still in progress, and a feed lists what
      // unfinished moves are handing to its recipient.
      { key: { state: 1, 'primary.id': 1 }, name: 'state_primary' },
    ],
  },
];
