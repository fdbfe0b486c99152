import { eventTime } from '../../domain/src/event-time.js';
import type { StoredEvent } from '../../event-store/src/event-store.port.js';
import { redact } from './redaction.js';

/**
 * The analytics record: a CloudEvents 1.0 event in JSON (structured mode), the same on Kafka
 * and on the live tail. See docs/analytics.md.
 */
export interface AnalyticsCloudEvent {
  specversion: '1.0';
  /** The event's id in the event store: unique, and the same on every re-delivery (deduplicate on it). */
  id: string;
  source: string;
  /** `messenger.<EventType>`, e.g. `messenger.MessageSent`. */
  type: string;
  /** The conversation (or group) the event belongs to; for user events the user; else the stream. Also the Kafka key. */
  subject: string;
  /** When it happened (the event's own time, else when it was recorded). */
  time: string;
  datacontenttype: 'application/json';
  /** `urn:messenger:schema:<EventType>:<version>`. */
  dataschema: string;
  /** Extension: the event's global position in the log (decimal string); the cursor of the live tail. */
  position: string;
  /** Extension (CloudEvents partitioning): the Kafka message key, equal to `subject`. */
  partitionkey: string;
  /** The event's data with only the allowed fields (libs/analytics/src/redaction.ts). */
  data: Record<string, unknown>;
}

export const DEFAULT_SOURCE = '/messenger/event-store';

/** Streams that are not product facts (operators' and auditors' records) never go to analytics. */
const OPERATIONAL_STREAMS = new Set(['auditors', 'audit-log']);

export function isAnalyticsEvent(event: Pick<StoredEvent, 'streamId'>): boolean {
  return !OPERATIONAL_STREAMS.has(event.streamId);
}

/** Conversation first (so one conversation's events keep their order on one partition), then user, then stream. */
export function partitionKey(event: Pick<StoredEvent, 'streamId' | 'data'>): string {
  const { conversationId, groupId, userId } = event.data;
  if (typeof conversationId === 'string') return conversationId;
  if (typeof groupId === 'string') return groupId;
  if (typeof userId === 'string') return userId;
  return event.streamId;
}

export function toCloudEvent(event: StoredEvent, source = DEFAULT_SOURCE): AnalyticsCloudEvent {
  const version = typeof event.metadata?.schemaVersion === 'number' ? event.metadata.schemaVersion : 1;
  const key = partitionKey(event);
  return {
    specversion: '1.0',
    id: event.id,
    source,
    type: `messenger.${event.type}`,
    subject: key,
    time: (eventTime(event.data) ?? event.recordedAt).toISOString(),
    datacontenttype: 'application/json',
    dataschema: `urn:messenger:schema:${event.type}:${version}`,
    position: event.globalPosition.toString(),
    partitionkey: key,
    data: redact(event.type, event.data),
  };
}
