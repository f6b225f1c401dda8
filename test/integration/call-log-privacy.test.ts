/**
 * The call log carries no request content at all. The logger's redaction
 * list (email, phone number, properties) is only a safety net; the rule is
 * that a call's line holds its method, code, duration, request id and error
 * reason, nothing the caller sent. So every field of every RPC gets a value
 * that appears nowhere else, in calls that succeed and in calls that fail
 * (validation, not found, version mismatch), and no such value may show up
 * in any line the server writes. User ids included: no call line carries
 * them by design (README, "Logs"), so none may start to. The one exception
 * is on purpose: the audit line of a destructive call (DeleteUser,
 * BulkDeleteUsers, MergeUsers) names the users it destroys, in `targets`,
 * and nothing else the caller sent.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { status, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { UsersServiceService } from '../../src/gen/herald/users/v1/users_service.js';
import { MessagesServiceService, MessageStatusChange } from '../../src/gen/herald/messages/v1/messages_service.js';
import { defined, requestIdMetadata } from './fixtures.ts';
import { startTestService } from './harness.ts';

const { api, messages, logs } = await startTestService();

/** Hex that makes each value of this run unique, so a hit in the log can only be a leak. */
const tag = randomBytes(5).toString('hex');

/** Every value sent that must stay out of the log; more are added as responses hand them out. */
const secrets: string[] = [];
function secret(value: string): string {
  secrets.push(value);
  return value;
}

const userId = secret(`main-user-${tag}`);
const otherUserId = secret(`other-user-${tag}`);
const missingUserId = secret(`missing-user-${tag}`);
const bulkUserId = secret(`bulk-user-${tag}`);
const streamUserId = secret(`stream-user-${tag}`);
const name = secret(`display-name-${tag}`);
const email = secret(`email-${tag}@example.com`);
const phoneDigits = secret(`4930${randomInt(1e8, 1e9)}`);
const phone = secret(`+${phoneDigits}`);
const avatar = secret(`https://img.example.com/avatar-${tag}.png`);
// Time zones cannot carry the tag; this one appears nowhere else in a log.
const timezone = secret('Antarctica/Troll');
const locale = secret(`en-x-${tag.slice(0, 8)}`);
const createdAt = new Date('1987-06-14T03:21:09.077Z');
secret('1987-06-14');
secret(String(Math.floor(createdAt.getTime() / 1000)));
const propertyKey = secret(`prop-key-${tag}`);
const propertyValue = secret(`prop-value-${tag}`);
const nestedKey = secret(`nested-key-${tag}`);
const nestedValue = secret(`nested-value-${tag}`);
const unsetKey = secret(`unset-key-${tag}`);
const channelId = secret(`push-${tag}`);
const channelKey = secret(`channel-key-${tag}`);
const channelToken = secret(`device-token-${tag}`);
const missingChannelId = secret(`missing-channel-${tag}`);
const setId = secret(`marketing-${tag}`);
const missingSetId = secret(`missing-prefs-${tag}`);
const workflowKey = secret(`workflow-${tag}`);
const categoryKey = secret(`category-${tag}`);
const staleVersion = secret(`stale-version-${tag}`);
const badPageToken = secret(`page-token-${tag}`);
const mergedUserId = secret(`merged-user-${tag}`);
const mergeKey = secret(`merge-key-${tag}`);
const messageChannelId = secret(`feed-${tag}`);
const messageDataKey = secret(`message-key-${tag}`);
const messageDataValue = secret(`message-value-${tag}`);
const activityDataKey = secret(`activity-key-${tag}`);
const activityDataValue = secret(`activity-value-${tag}`);
// Message ids are hex: a made-up one carries the tag's hex.
const missingMessageId = secret(`${tag}${'0'.repeat(14)}`);
const badMessageId = secret(`bad-message-${tag}`);

const preferenceSet = {
  id: setId,
  channelTypes: { email: true, sms: false },
  workflows: { [workflowKey]: { enabled: true, channelTypes: { push: false } } },
  categories: { [categoryKey]: { enabled: false } },
};

/** One call as sent: its request id, the RPC and the code it should end with. */
interface Sent {
  requestId: string;
  method: string;
  code: string;
}
const sent: Sent[] = [];

/**
 * Makes a call with a request id of its own, checks it ended with `code`
 * (so failing calls fail the way intended), and returns the response of a
 * successful one.
 */
async function send<T>(method: string, code: keyof typeof status, call: (md: Metadata) => Promise<T>): Promise<T> {
  const requestId = `privacy-${sent.length + 1}`;
  sent.push({ requestId, method, code });
  const outcome = await call(requestIdMetadata(requestId)).then(
    (response) => ({ code: 'OK', response }),
    (error: ServiceError) => ({ code: status[error.code], response: undefined, message: error.details }),
  );
  expect(outcome, `${method} (${requestId})`).toMatchObject({ code });
  return outcome.response as T;
}

describe('the call log', () => {
  it('holds none of the values sent to any RPC, whether the call succeeds or fails', async () => {
    // Successful calls, with every field of each request set.
    const created = await send('IdentifyUser', 'OK', (md) =>
      api.identifyUser(
        {
          userId,
          name,
          email,
          phoneNumber: phone,
          avatar,
          timezone,
          locale,
          createdAt,
          properties: { [propertyKey]: propertyValue, nested: { [nestedKey]: nestedValue } },
          channelData: [{ channelId, data: { [channelKey]: channelToken } }],
          preferences: [preferenceSet],
        },
        md,
      ),
    );
    const userVersion = secret(defined(created.user).version);
    await send('IdentifyUser', 'OK', (md) =>
      api.identifyUser(
        { userId, expectedVersion: userVersion, unsetProperties: [unsetKey], properties: { [propertyKey]: nestedValue } },
        md,
      ),
    );
    await send('IdentifyUser', 'OK', (md) => api.identifyUser({ userId: otherUserId, name, email }, md));
    await send('GetUser', 'OK', (md) => api.getUser({ userId }, md));
    const firstPage = await send('ListUsers', 'OK', (md) => api.listUsers({ pageSize: 1 }, md));
    const pageToken = secret(firstPage.nextPageToken);
    expect(pageToken).not.toBe('');
    await send('ListUsers', 'OK', (md) => api.listUsers({ pageSize: 1, pageToken }, md));
    const channel = await send('GetChannelData', 'OK', (md) => api.getChannelData({ userId, channelId }, md));
    const channelVersion = secret(defined(channel.channelData).version);
    await send('SetChannelData', 'OK', (md) =>
      api.setChannelData(
        { userId, channelId, data: { [channelKey]: channelToken, nested: { [nestedKey]: nestedValue } }, expectedVersion: channelVersion },
        md,
      ),
    );
    const prefs = await send('GetPreferences', 'OK', (md) => api.getPreferences({ userId, preferenceSetId: setId }, md));
    const prefsVersion = secret(defined(prefs.preferenceSet).version);
    await send('SetPreferences', 'OK', (md) =>
      api.setPreferences({ userId, preferenceSet, expectedVersion: prefsVersion }, md),
    );
    await send('ListPreferences', 'OK', (md) => api.listPreferences({ userId }, md));
    await send('UnsetChannelData', 'OK', (md) => api.unsetChannelData({ userId, channelId }, md));
    await send('DeleteUser', 'OK', (md) => api.deleteUser({ userId: otherUserId }, md));
    // The bulk streams, each record with every field set.
    const bulkRecord = { userId: streamUserId, name, email, phoneNumber: phone, avatar, timezone, locale,
      properties: { [propertyKey]: propertyValue }, channelData: [{ channelId, data: { [channelKey]: channelToken } }], preferences: [preferenceSet] };
    await send('BulkIdentifyUsers', 'OK', (md) => api.bulkIdentifyUsers([[bulkRecord], [{ userId: missingUserId, email: 'not-an-email' }]], md));
    await send('StreamIdentifyUsers', 'OK', (md) => api.streamIdentifyUsers([[bulkRecord]], md));
    // otherUserId is gone now: one id deleted, one reported missing.
    await send('IdentifyUser', 'OK', (md) => api.identifyUser({ userId: bulkUserId, name, email }, md));
    await send('BulkDeleteUsers', 'OK', (md) => api.bulkDeleteUsers({ userIds: [bulkUserId, otherUserId] }, md));
    // A merge, planned then made: the conflicting property paths and the
    // copied channel ids travel back, and must not reach the log either.
    await send('IdentifyUser', 'OK', (md) =>
      api.identifyUser(
        { userId: mergedUserId, name, email, properties: { [propertyKey]: mergeKey, [mergeKey]: nestedValue }, channelData: [{ channelId: mergeKey, data: {} }] },
        md,
      ),
    );
    await send('MergeUsers', 'OK', (md) => api.mergeUsers({ primaryUserId: userId, secondaryUserId: mergedUserId, dryRun: true }, md));
    await send('MergeUsers', 'OK', (md) => api.mergeUsers({ primaryUserId: userId, secondaryUserId: mergedUserId }, md));

    // Validation errors: each bad value names itself in the error sent back,
    // which is fine on the wire but must not reach the log.
    await send('IdentifyUser', 'INVALID_ARGUMENT', (md) =>
      api.identifyUser(
        {
          userId: `${secret(`bad-user-${tag}`)}${'x'.repeat(300)}`,
          name: `${secret(`bad-name-${tag}`)}${'x'.repeat(300)}`,
          email: secret(`bad-email-${tag}`),
          phoneNumber: secret(`+0${tag}`),
          avatar: secret(`ftp://bad-avatar-${tag}`),
          timezone: secret(`Mars/bad-zone-${tag}`),
          locale: secret(`bad_locale_${tag}`),
          properties: { [secret(`$bad-key-${tag}`)]: secret(`bad-value-${tag}`) },
        },
        md,
      ),
    );
    await send('GetUser', 'INVALID_ARGUMENT', (md) => api.getUser({ userId: `\u0007${secret(`ctl-user-${tag}`)}` }, md));
    await send('ListUsers', 'INVALID_ARGUMENT', (md) => api.listUsers({ pageToken: badPageToken }, md));
    await send('SetChannelData', 'INVALID_ARGUMENT', (md) =>
      api.setChannelData({ userId, channelId: secret(`bad channel ${tag}`), data: { [channelKey]: channelToken } }, md),
    );
    await send('SetPreferences', 'INVALID_ARGUMENT', (md) =>
      api.setPreferences(
        { userId, preferenceSet: { id: setId, workflows: { [secret(`bad workflow ${tag}`)]: { enabled: true } } } },
        md,
      ),
    );
    await send('IdentifyUser', 'INVALID_ARGUMENT', (md) => api.identifyUser({ userId: missingUserId, name }, md));

    // Not found: a missing user, and a present user's missing records.
    await send('GetUser', 'NOT_FOUND', (md) => api.getUser({ userId: missingUserId }, md));
    await send('DeleteUser', 'NOT_FOUND', (md) => api.deleteUser({ userId: missingUserId }, md));
    const oversized = Array.from({ length: 1001 }, () => ({ userId: streamUserId, name }));
    await send('BulkIdentifyUsers', 'INVALID_ARGUMENT', (md) => api.bulkIdentifyUsers([oversized], md));
    await send('StreamIdentifyUsers', 'INVALID_ARGUMENT', (md) => api.streamIdentifyUsers([oversized], md));
    await send('BulkDeleteUsers', 'INVALID_ARGUMENT', (md) => api.bulkDeleteUsers({ userIds: [missingUserId, missingUserId] }, md));
    await send('GetChannelData', 'NOT_FOUND', (md) => api.getChannelData({ userId, channelId: missingChannelId }, md));
    await send('GetChannelData', 'NOT_FOUND', (md) => api.getChannelData({ userId: missingUserId, channelId }, md));
    await send('SetChannelData', 'NOT_FOUND', (md) =>
      api.setChannelData({ userId: missingUserId, channelId, data: { [channelKey]: channelToken } }, md),
    );
    await send('UnsetChannelData', 'NOT_FOUND', (md) => api.unsetChannelData({ userId, channelId: missingChannelId }, md));
    await send('GetPreferences', 'NOT_FOUND', (md) => api.getPreferences({ userId, preferenceSetId: missingSetId }, md));
    await send('SetPreferences', 'NOT_FOUND', (md) => api.setPreferences({ userId: missingUserId, preferenceSet }, md));
    await send('ListPreferences', 'NOT_FOUND', (md) => api.listPreferences({ userId: missingUserId }, md));
    await send('MergeUsers', 'NOT_FOUND', (md) => api.mergeUsers({ primaryUserId: userId, secondaryUserId: mergedUserId }, md));
    await send('MergeUsers', 'INVALID_ARGUMENT', (md) => api.mergeUsers({ primaryUserId: userId, secondaryUserId: userId }, md));

    // Version mismatches.
    await send('IdentifyUser', 'ABORTED', (md) => api.identifyUser({ userId, name, expectedVersion: staleVersion }, md));
    await send('SetChannelData', 'ABORTED', (md) =>
      api.setChannelData({ userId, channelId, data: { [channelKey]: channelToken }, expectedVersion: staleVersion }, md),
    );
    await send('SetPreferences', 'ABORTED', (md) =>
      api.setPreferences({ userId, preferenceSet, expectedVersion: staleVersion }, md),
    );

    // MessagesService, with userId as the recipient and streamUserId as an actor.
    const messageData = { [messageDataKey]: messageDataValue, nested: { [nestedKey]: nestedValue } };
    const activityData = { [activityDataKey]: activityDataValue };
    const firstMessage = await send('CreateMessage', 'OK', (md) =>
      messages.createMessage(
        { recipientId: userId, channelId: messageChannelId, data: messageData, activities: [{ actorId: streamUserId, data: activityData }, { data: activityData }] },
        md,
      ),
    );
    const messageId = secret(defined(firstMessage.message).id);
    for (const activity of firstMessage.activities) secret(activity.id);
    const second = await send('CreateMessage', 'OK', (md) =>
      messages.createMessage({ recipientId: userId, channelId: messageChannelId, data: messageData, activities: [{ data: activityData }] }, md),
    );
    const secondId = secret(defined(second.message).id);
    const addedActivity = await send('AddActivity', 'OK', (md) =>
      messages.addActivity({ messageId, activity: { actorId: streamUserId, data: activityData } }, md),
    );
    secret(defined(addedActivity.activity).id);
    await send('GetMessage', 'OK', (md) => messages.getMessage({ messageId }, md));
    const filters = { recipientId: userId, channelId: messageChannelId, seen: false, read: false, archived: false };
    const messagePage = await send('ListMessages', 'OK', (md) => messages.listMessages({ ...filters, pageSize: 1 }, md));
    const messagesToken = secret(messagePage.nextPageToken);
    expect(messagesToken).not.toBe('');
    await send('ListMessages', 'OK', (md) => messages.listMessages({ ...filters, pageSize: 1, pageToken: messagesToken }, md));
    await send('MarkMessages', 'OK', (md) =>
      messages.markMessages({ messageIds: [secondId, missingMessageId, messageId], change: MessageStatusChange.MESSAGE_STATUS_CHANGE_READ }, md),
    );
    const activityPage = await send('ListActivities', 'OK', (md) => messages.listActivities({ messageId, pageSize: 1 }, md));
    const activitiesToken = secret(activityPage.nextPageToken);
    expect(activitiesToken).not.toBe('');
    await send('ListActivities', 'OK', (md) => messages.listActivities({ messageId, pageSize: 1, pageToken: activitiesToken }, md));
    // And failing, each way it can.
    await send('CreateMessage', 'NOT_FOUND', (md) =>
      messages.createMessage({ recipientId: missingUserId, channelId: messageChannelId, data: messageData, activities: [{ data: activityData }] }, md),
    );
    await send('CreateMessage', 'NOT_FOUND', (md) =>
      messages.createMessage({ recipientId: userId, channelId: messageChannelId, activities: [{ actorId: missingUserId, data: activityData }] }, md),
    );
    await send('CreateMessage', 'INVALID_ARGUMENT', (md) =>
      messages.createMessage(
        { recipientId: `\u0007${secret(`ctl-recipient-${tag}`)}`, channelId: `\u0007${secret(`ctl-channel-${tag}`)}`, data: { [secret(`$bad-message-key-${tag}`)]: 1 }, activities: [] },
        md,
      ),
    );
    await send('AddActivity', 'NOT_FOUND', (md) => messages.addActivity({ messageId, activity: { actorId: missingUserId, data: activityData } }, md));
    await send('AddActivity', 'NOT_FOUND', (md) => messages.addActivity({ messageId: missingMessageId, activity: { data: activityData } }, md));
    await send('GetMessage', 'NOT_FOUND', (md) => messages.getMessage({ messageId: missingMessageId }, md));
    await send('GetMessage', 'INVALID_ARGUMENT', (md) => messages.getMessage({ messageId: badMessageId }, md));
    await send('ListMessages', 'INVALID_ARGUMENT', (md) => messages.listMessages({ recipientId: userId, pageToken: messagesToken }, md));
    await send('ListMessages', 'INVALID_ARGUMENT', (md) => messages.listMessages({ recipientId: userId, pageToken: badPageToken }, md));
    await send('MarkMessages', 'INVALID_ARGUMENT', (md) =>
      messages.markMessages({ messageIds: [messageId, badMessageId, messageId], change: MessageStatusChange.MESSAGE_STATUS_CHANGE_SEEN }, md),
    );
    await send('ListActivities', 'NOT_FOUND', (md) => messages.listActivities({ messageId: missingMessageId }, md));
    await send('ListActivities', 'INVALID_ARGUMENT', (md) => messages.listActivities({ messageId: secondId, pageToken: activitiesToken }, md));

    // The calls above cover every RPC of both services, each in success and failure.
    const rpcs = [...Object.values(UsersServiceService), ...Object.values(MessagesServiceService)].map(({ path }) =>
      path.slice(path.lastIndexOf('/') + 1),
    );
    for (const rpc of rpcs) {
      const codes = sent.filter((call) => call.method === rpc).map((call) => call.code);
      expect(codes, rpc).toContain('OK');
      expect(codes.some((code) => code !== 'OK'), `${rpc} has a failing call`).toBe(true);
    }
    // Each call was logged, once: the log below is not empty by accident.
    for (const { requestId, method, code } of sent) {
      expect(logs.filter((line) => line['requestId'] === requestId && line['msg'] === 'call'), requestId).toMatchObject([{ method, code }]);
    }

    // Audit lines: one per destructive call, whose `targets` are the only place user ids may appear.
    const AUDITED = ['DeleteUser', 'BulkDeleteUsers', 'MergeUsers'];
    const audits = logs.filter((line) => line['audit'] === true);
    expect(audits.map((line) => line['requestId'])).toEqual(sent.filter((call) => AUDITED.includes(call.method)).map((call) => call.requestId));
    const AUDIT_FIELDS = ['level', 'time', 'pid', 'hostname', 'requestId', 'method', 'caller', 'audit', 'targets', 'code', 'dryRun', 'msg'];
    for (const line of audits) {
      expect(Object.keys(line).filter((key) => !AUDIT_FIELDS.includes(key)), JSON.stringify(line)).toEqual([]);
      expect(AUDITED).toContain(line['method']);
    }

    const lines = logs.map(({ targets, ...line }) => (line['audit'] === true && Array.isArray(targets) ? line : { ...line, targets }))
      .map((line) => JSON.stringify(line));
    const leaked = secrets.filter((value) => lines.some((line) => line.includes(value)));
    const example = lines.find((line) => leaked.some((value) => line.includes(value)));
    expect(leaked, `values sent that the log holds, e.g. in ${example}`).toEqual([]);
  });
});
