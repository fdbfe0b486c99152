import type { AnalyticsCloudEvent } from './cloudevents.js';

export interface LatencyFigures {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

export interface FiguresSnapshot {
  /** The clock of the figures: the newest event time seen (replays give the figures of their own time). */
  at: string | null;
  events: number;
  messagesPerMinute: number;
  activeUsers: number;
  /** Per recipient: the message's sentAt to the first delivered receipt covering it (ms). */
  sentToDelivered: LatencyFigures;
  /** Per recipient: delivered to read (ms). */
  deliveredToRead: LatencyFigures;
}

interface OpenMessage {
  seq: number;
  sentAt: number;
  senderId: unknown;
  /** The recipients when the record names them (direct messages); a group message gives only their count. */
  recipients?: Set<string>;
  recipientCount: number;
  deliveredAt: Map<string, number>;
  readBy: Set<string>;
}

interface Sample {
  at: number;
  ms: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function latency(samples: Sample[]): LatencyFigures {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99) };
}

/**
 * Live figures from the analytics stream (redacted CloudEvents): messages per minute (the
 * last 60 s), active users (distinct users who sent, acknowledged or connected in the last
 * `activeWindowMs`), and latency percentiles over the last `latencyWindowMs`. Time is event
 * time. Messages waiting for receipts are forgotten after `forgetAfterMs`.
 */
export class LiveFigures {
  private events = 0;
  private now = 0;
  private readonly sends: number[] = [];
  private readonly activity = new Map<string, number>();
  private readonly open = new Map<string, OpenMessage[]>();
  private readonly delivered: Sample[] = [];
  private readonly read: Sample[] = [];

  constructor(
    private readonly options = { activeWindowMs: 5 * 60_000, latencyWindowMs: 5 * 60_000, forgetAfterMs: 60 * 60_000 },
  ) {}

  add(event: AnalyticsCloudEvent): void {
    this.events++;
    const time = Date.parse(event.time);
    if (!Number.isNaN(time) && time > this.now) this.now = time;
    const data = event.data as Record<string, any>;
    switch (event.type) {
      case 'messenger.MessageSent': {
        this.sends.push(time);
        this.active(data.senderId, time);
        const recipients = Array.isArray(data.recipientIds) ? new Set<string>(data.recipientIds) : undefined;
        const recipientCount = typeof data.recipientCount === 'number' ? data.recipientCount : (recipients?.size ?? 0);
        const list = this.open.get(data.conversationId) ?? [];
        list.push({ seq: data.seq, sentAt: Date.parse(data.sentAt), senderId: data.senderId, recipients, recipientCount, deliveredAt: new Map(), readBy: new Set() });
        this.open.set(data.conversationId, list);
        break;
      }
      case 'messenger.MessageDelivered':
      case 'messenger.MessageRead': {
        const at = Date.parse(data.at);
        this.active(data.userId, at);
        const list = this.open.get(data.conversationId);
        if (!list) break;
        for (const message of list) {
          if (message.seq > data.upToSeq || !isRecipient(message, data.userId)) continue;
          if (!message.deliveredAt.has(data.userId)) {
            this.delivered.push({ at, ms: Math.max(0, at - message.sentAt) });
            message.deliveredAt.set(data.userId, at);
          }
          if (event.type === 'messenger.MessageRead' && !message.readBy.has(data.userId)) {
            message.readBy.add(data.userId);
            this.read.push({ at, ms: Math.max(0, at - (message.deliveredAt.get(data.userId) ?? at)) });
          }
        }
        this.open.set(data.conversationId, list.filter((m) => m.readBy.size < m.recipientCount));
        break;
      }
      case 'messenger.DeviceConnected':
        this.active(data.userId, time);
        break;
    }
  }

  snapshot(): FiguresSnapshot {
    this.prune();
    const now = this.now;
    return {
      at: now ? new Date(now).toISOString() : null,
      events: this.events,
      messagesPerMinute: this.sends.filter((t) => t > now - 60_000).length,
      activeUsers: [...this.activity.values()].filter((t) => t > now - this.options.activeWindowMs).length,
      sentToDelivered: latency(this.delivered),
      deliveredToRead: latency(this.read),
    };
  }

  private active(userId: unknown, time: number): void {
    if (typeof userId === 'string' && !Number.isNaN(time)) this.activity.set(userId, Math.max(time, this.activity.get(userId) ?? 0));
  }

  private prune(): void {
    const now = this.now;
    while (this.sends.length > 0 && this.sends[0] <= now - 60_000) this.sends.shift();
    for (const samples of [this.delivered, this.read]) {
      const keep = samples.filter((s) => s.at > now - this.options.latencyWindowMs);
      samples.splice(0, samples.length, ...keep);
    }
    for (const [user, t] of this.activity) if (t <= now - this.options.activeWindowMs) this.activity.delete(user);
    for (const [conversation, list] of this.open) {
      const kept = list.filter((m) => m.sentAt > now - this.options.forgetAfterMs);
      if (kept.length === 0) this.open.delete(conversation);
      else this.open.set(conversation, kept);
    }
  }
}

/** Unnamed recipients (a group message): anyone but the sender whose receipt covers the message. */
function isRecipient(message: OpenMessage, userId: unknown): userId is string {
  if (typeof userId !== 'string') return false;
  return message.recipients ? message.recipients.has(userId) : userId !== message.senderId;
}

export function formatFigures(s: FiguresSnapshot): string {
  const ms = (v: number | null) => (v === null ? '-' : `${v}ms`);
  const lat = (l: LatencyFigures) => `p50 ${ms(l.p50)} p90 ${ms(l.p90)} p99 ${ms(l.p99)} (n=${l.count})`;
  return (
    `${s.at ?? '(no events yet)'}  events ${s.events}  messages/min ${s.messagesPerMinute}  active users ${s.activeUsers}  ` +
    `sent→delivered ${lat(s.sentToDelivered)}  delivered→read ${lat(s.deliveredToRead)}`
  );
}
