/**
 * Builders of the aggregation-pipeline updates that write users, channel data
 * and preference sets. Pure functions: they return plain documents, so unit
 * tests can evaluate them on sample documents without a database.
 *
 * Every value that came from a caller is wrapped in `$literal`: inside a
 * pipeline a string such as "$name" would otherwise be read as a field path,
 * and an object as an expression.
 */
import type { Document } from 'mongodb';
import { newIncarnation } from '../db/collections.ts';
import type {
  ChannelDataInput,
  IdentifyCommand,
  PreferenceSetInput,
  ProfilePatch,
} from './model.ts';

/** Wraps a caller's value so that MongoDB takes it as data, never as an expression. */
export function literal(value: unknown): { $literal: unknown } {
  return { $literal: value };
}

const PROFILE_FIELDS = ['name', 'email', 'avatar', 'phoneNumber', 'timezone', 'locale'] as const;

/**
 * The update pipeline for IdentifyUser. Stage one sets the profile fields
 * sent, the traits (merged per top-level key, or replaced), the timestamps and
 * the new version; stage two, when needed, removes the profile fields the
 * caller cleared and the trait keys named in `unset`.
 *
 * `created_at` keeps its stored value unless the caller sent one; a new user
 * without one gets the statement's `$$NOW`, the same instant as `updatedAt`.
 *
 * `uid`, the incarnation, is set when the document is created (every stored
 * user has a `v`, so a document without one is the upsert's new document)
 * and never changed; users stored before incarnations existed keep none.
 */
export function identifyPipeline(command: IdentifyCommand, version: string, incarnation = newIncarnation()): Document[] {
  const set: Document = {};
  const unset: string[] = [];
  addProfile(command.profile, set, unset);

  const { traits } = command;
  if (traits.mode === 'replace') {
    set['properties'] = literal(traits.properties);
  } else {
    set['properties'] = {
      $mergeObjects: [{ $ifNull: ['$properties', {}] }, literal(traits.set)],
    };
    // Validation guarantees these keys hold no "." or leading "$", so each
    // dotted path names exactly one top-level trait.
    for (const key of traits.unset) unset.push(`properties.${key}`);
  }

  set['createdAt'] =
    command.createdAt === undefined
      ? { $ifNull: ['$createdAt', '$$NOW'] }
      : literal(command.createdAt);
  set['updatedAt'] = '$$NOW';
  set['uid'] = { $cond: [{ $eq: [{ $type: '$v' }, 'missing'] }, literal(incarnation), '$uid'] };
  set['v'] = literal(version);

  const pipeline: Document[] = [{ $set: set }];
  if (unset.length > 0) pipeline.push({ $unset: unset });
  return pipeline;
}

function addProfile(profile: ProfilePatch, set: Document, unset: string[]): void {
  for (const field of PROFILE_FIELDS) {
    const value = profile[field];
    if (value === undefined) continue;
    if (value === null) unset.push(field);
    else set[field] = literal(value);
  }
}

/** Replaces one channel's data with what the caller sent. */
export function channelDataPipeline(input: ChannelDataInput, version: string): Document[] {
  return [{ $set: { data: literal(input.data), updatedAt: '$$NOW', v: literal(version) } }];
}

/** Replaces one preference set with what the caller sent. */
export function preferenceSetPipeline(input: PreferenceSetInput, version: string): Document[] {
  return [
    {
      $set: {
        channelTypes: literal(input.channelTypes),
        workflows: literal(input.workflows),
        categories: literal(input.categories),
        updatedAt: '$$NOW',
        v: literal(version),
      },
    },
  ];
}

/**
 * Marks that a user's channel data or preferences changed. Any write of the
 * user document makes a concurrent DeleteUser conflict with this transaction,
 * so a delete can never miss a child written at the same moment.
 */
export function touchChildrenPipeline(): Document[] {
  return [{ $set: { childrenUpdatedAt: '$$NOW' } }];
}
