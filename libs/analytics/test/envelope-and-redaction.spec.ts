import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../event-store/src/event-store.port.js';
import { isAnalyticsEvent, partitionKey, toCloudEvent } from '../src/cloudevents.js';
import { CLOUDEVENTS_CONTENT_TYPE, toKafkaMessage } from '../src/kafka-publisher.js';
import { ANALYTICS_ALLOW_LIST, redact } from '../src/redaction.js';

const stored = (type: string, streamId: string, data: Record<string, unknown>, position = 42n): StoredEvent => ({
  id: '0b7c3c1e-8d0e-4a43-9a57-6c1c2f1d0001',
  streamId,
  streamVersion: 3,
  globalPosition: position,
  type,
  data,
  metadata: { schemaVersion: type === 'MessageSent' ? 2 : 1 },
  recordedAt: new Date('2025-04-01T08:00:00.500Z'),
});

const SECRET_BODY = 'meet me at 5, the door code is 4412';
const PHONE = '+14155550123';

/** One event of each kind that carries personal content, as the command side writes them. */
const personal: StoredEvent[] = [
  stored('MessageSent', 'conversation-d1', {
    messageId: 'm1', conversationId: 'd1', conversationType: 'direct', seq: 7, senderId: 'u1', senderDeviceId: 'dev1',
    recipientIds: ['u2'], clientMsgId: 'client-secret-id', kind: 'image', body: SECRET_BODY, mediaId: 'media-123',
    replyTo: null, forwardOf: null, forwardScore: 0, sentAt: '2025-04-01T08:00:00.000Z',
  }),
  stored('UserRegistered', 'user-u1', { userId: 'u1', phone: PHONE, registeredAt: '2025-04-01T07:00:00.000Z' }),
  stored('DeviceLoggedIn', 'user-u1', { userId: 'u1', deviceId: 'dev1', deviceName: "Alice's iPhone", at: '2025-04-01T07:00:00.000Z' }),
  stored('GroupChanged', 'conversation-g1', {
    groupId: 'g1', by: 'u1', at: '2025-04-01T07:30:00.000Z', atSeq: 0, membersAfter: ['u1', 'u2'],
    change: { kind: 'created', name: 'Secret Surprise Party', description: 'do not tell Bob', iconMediaId: 'icon-9', members: [{ userId: 'u1', role: 'admin' }, { userId: 'u2', role: 'member' }] },
  }),
  stored('GroupChanged', 'conversation-g1', { groupId: 'g1', by: 'u1', at: '2025-04-01T07:31:00.000Z', atSeq: 0, membersAfter: ['u1', 'u2'], change: { kind: 'updated', name: 'Renamed Party', description: 'still secret' } }),
  stored('ProfileUpdated', 'user-u1', { userId: 'u1', displayName: 'Alice Liddell', about: 'down the rabbit hole', avatarMediaId: 'avatar-1', at: '2025-04-01T07:00:00.000Z', audience: ['u2'] }),
  stored('ContactsSynced', 'privacy-u1', { userId: 'u1', contactIds: ['u2', 'u3'], at: '2025-04-01T07:00:00.000Z' }),
  stored('UserBlocked', 'privacy-u1', { userId: 'u1', blockedUserId: 'u3', at: '2025-04-01T07:00:00.000Z' }),
];

describe('redaction', () => {
  it('no message body, media id, client id, phone number, name, description, device name, profile text, contact list or block target leaves', () => {
    const out = JSON.stringify(personal.map((e) => toCloudEvent(e)));
    for (const secret of [SECRET_BODY, 'media-123', 'client-secret-id', PHONE, "Alice's iPhone", 'Secret Surprise Party', 'do not tell Bob', 'icon-9', 'Renamed Party', 'still secret', 'Alice Liddell', 'rabbit hole', 'avatar-1', 'u3']) {
      expect(out, secret).not.toContain(secret);
    }
  });

  it('keeps what analytics needs: ids, kinds, seqs, times, recipients, group membership', () => {
    expect(redact('MessageSent', personal[0].data)).toEqual({
      messageId: 'm1', conversationId: 'd1', conversationType: 'direct', seq: 7, senderId: 'u1', recipientIds: ['u2'], recipientCount: 1, kind: 'image', replyTo: null, forwardOf: null, forwardScore: 0, sentAt: '2025-04-01T08:00:00.000Z',
    });
    expect(redact('GroupChanged', personal[3].data)).toEqual({
      groupId: 'g1', by: 'u1', at: '2025-04-01T07:30:00.000Z', atSeq: 0, memberCount: 2,
      change: { kind: 'created', members: [{ userId: 'u1', role: 'admin' }, { userId: 'u2', role: 'member' }] },
    });
    expect(redact('MessageRead', { conversationId: 'd1', userId: 'u2', upToSeq: 3, at: 'x', shared: false })).toEqual({ conversationId: 'd1', userId: 'u2', upToSeq: 3, at: 'x', shared: false });
  });

  it('lists that grow with a group leave as counts: a group message names no recipients, a group change no members after it', () => {
    const members = Array.from({ length: 1023 }, (_, i) => `u${i}`);
    const group = redact('MessageSent', { ...personal[0].data, conversationId: 'g1', conversationType: 'group', recipientIds: members });
    expect(group.recipientCount).toBe(1023);
    expect(group).not.toHaveProperty('recipientIds');
    const change = redact('GroupChanged', { groupId: 'g1', by: 'u1', at: 'x', atSeq: 9, membersAfter: members, change: { kind: 'added', userIds: ['u7'] } });
    expect(change).toEqual({ groupId: 'g1', by: 'u1', at: 'x', atSeq: 9, memberCount: 1023, change: { kind: 'added', userIds: ['u7'] } });
  });

  it('a field added to an event later is redacted by default, also when an allowed field turns into an object', () => {
    const data = { ...personal[0].data, location: { lat: 52.1, lon: 4.3 }, transcript: 'hello', senderId: { name: 'Alice' } };
    const out = redact('MessageSent', data);
    expect(out).not.toHaveProperty('location');
    expect(out).not.toHaveProperty('transcript');
    expect(out).not.toHaveProperty('senderId');
  });

  it('an event type nobody listed leaves with empty data', () => {
    expect(redact('PaymentSent', { amount: 5, iban: 'NL00BANK0123456789' })).toEqual({});
  });

  it('every allow-list names only plain fields (no body, phone, name…)', () => {
    const forbidden = /^(body|text|phone|name|description|deviceName|displayName|about|mediaId|iconMediaId|avatarMediaId|clientMsgId|contactIds|blockedUserId)$/;
    const walk = (rule: unknown): string[] =>
      rule === true ? [] : Array.isArray(rule) ? walk(rule[0]) : Object.entries(rule as object).flatMap(([k, v]) => [k, ...walk(v)]);
    for (const [type, rule] of Object.entries(ANALYTICS_ALLOW_LIST)) {
      for (const field of walk(rule)) expect(field, `${type}.${field}`).not.toMatch(forbidden);
    }
  });
});

describe('the CloudEvents 1.0 envelope', () => {
  it('has the required attributes, the documented extensions and the redacted data', () => {
    const event = toCloudEvent(personal[0], '/messenger/test');
    expect(event).toEqual({
      specversion: '1.0',
      id: '0b7c3c1e-8d0e-4a43-9a57-6c1c2f1d0001',
      source: '/messenger/test',
      type: 'messenger.MessageSent',
      subject: 'd1',
      time: '2025-04-01T08:00:00.000Z',
      datacontenttype: 'application/json',
      dataschema: 'urn:messenger:schema:MessageSent:2',
      position: '42',
      partitionkey: 'd1',
      data: redact('MessageSent', personal[0].data),
    });
    // CloudEvents: extension attribute names are lower-case letters and digits, at most 20 characters.
    for (const key of Object.keys(event)) expect(key).toMatch(/^[a-z0-9]{1,20}$/);
  });

  it('keys by conversation (receipts too), group, then user, then stream; time falls back to recordedAt', () => {
    expect(partitionKey(stored('MessageDelivered', 'receipts-d1-u2', { conversationId: 'd1', userId: 'u2' }))).toBe('d1');
    expect(partitionKey(personal[3])).toBe('g1');
    expect(partitionKey(personal[1])).toBe('u1');
    expect(partitionKey(stored('Something', 'misc-1', {}))).toBe('misc-1');
    expect(toCloudEvent(stored('Something', 'misc-1', {})).time).toBe('2025-04-01T08:00:00.500Z');
  });

  it('operators\' and auditors\' records are not analytics events', () => {
    expect(isAnalyticsEvent({ streamId: 'audit-log' })).toBe(false);
    expect(isAnalyticsEvent({ streamId: 'auditors' })).toBe(false);
    expect(isAnalyticsEvent({ streamId: 'conversation-d1' })).toBe(true);
  });

  it('the Kafka message: key = partition key, value = the structured-mode CloudEvent, content-type header', () => {
    const message = toKafkaMessage(personal[0]);
    expect(message.key).toBe('d1');
    expect(message.headers).toEqual({ 'content-type': CLOUDEVENTS_CONTENT_TYPE });
    expect(JSON.parse(String(message.value))).toEqual(toCloudEvent(personal[0]));
    expect(String(message.value)).not.toContain(SECRET_BODY);
  });
});
