import { describe, expect, it } from 'vitest';
import type { AnalyticsCloudEvent } from '../src/cloudevents.js';
import { formatFigures, LiveFigures, percentile } from '../src/figures.js';

const T0 = Date.parse('2025-05-01T12:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();
let n = 0;
const ce = (type: string, timeMs: number, data: Record<string, unknown>): AnalyticsCloudEvent => ({
  specversion: '1.0', id: `e${++n}`, source: '/t', type: `messenger.${type}`, subject: String(data.conversationId ?? data.userId), time: iso(timeMs),
  datacontenttype: 'application/json', dataschema: 'urn:x', position: String(n), partitionkey: 'k', data,
});
const sent = (c: string, seq: number, from: string, to: string[], ms: number) => ce('MessageSent', ms, { conversationId: c, seq, senderId: from, recipientIds: to, sentAt: iso(ms) });
const rcpt = (type: 'MessageDelivered' | 'MessageRead', c: string, user: string, upToSeq: number, ms: number) => ce(type, ms, { conversationId: c, userId: user, upToSeq, at: iso(ms) });

describe('percentile (nearest rank)', () => {
  it('matches hand-computed ranks', () => {
    const values = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 90)).toBe(90);
    expect(percentile(values, 99)).toBe(100);
    expect(percentile([], 50)).toBeNull();
  });
});

describe('live figures', () => {
  it('messages per minute, active users and latencies from a hand-made stream', () => {
    const figures = new LiveFigures();
    // d1: a→b seq 1 at 0 s, seq 2 at 10 s; b delivers both at 12 s, reads up to 1 at 20 s.
    // g1: c→[a, b] seq 1 at 30 s; a delivers at 31 s, reads at 40 s; b delivers at 35 s.
    figures.add(sent('d1', 1, 'a', ['b'], 0));
    figures.add(sent('d1', 2, 'a', ['b'], 10_000));
    figures.add(rcpt('MessageDelivered', 'd1', 'b', 2, 12_000));
    figures.add(rcpt('MessageRead', 'd1', 'b', 1, 20_000));
    figures.add(sent('g1', 1, 'c', ['a', 'b'], 30_000));
    figures.add(rcpt('MessageDelivered', 'g1', 'a', 1, 31_000));
    figures.add(rcpt('MessageRead', 'g1', 'a', 1, 40_000));
    figures.add(rcpt('MessageDelivered', 'g1', 'b', 1, 35_000));
    const s = figures.snapshot();
    expect(s.events).toBe(8);
    expect(s.at).toBe(iso(40_000));
    expect(s.messagesPerMinute).toBe(3);
    expect(s.activeUsers).toBe(3);
    // sent→delivered: 12 s, 2 s, 1 s, 5 s → sorted [1, 2, 5, 12] s
    expect(s.sentToDelivered).toEqual({ count: 4, p50: 2_000, p90: 12_000, p99: 12_000 });
    // delivered→read: d1 seq 1 (12 s → 20 s) = 8 s; g1 a (31 s → 40 s) = 9 s
    expect(s.deliveredToRead).toEqual({ count: 2, p50: 8_000, p90: 9_000, p99: 9_000 });
    expect(formatFigures(s)).toContain('messages/min 3');
  });

  it('a group message names only its recipient count: receipts of anyone but the sender count, until all have read', () => {
    const figures = new LiveFigures();
    figures.add(ce('MessageSent', 0, { conversationId: 'g2', seq: 1, senderId: 'a', recipientCount: 2, sentAt: iso(0) }));
    figures.add(rcpt('MessageDelivered', 'g2', 'a', 1, 1_000));
    figures.add(rcpt('MessageDelivered', 'g2', 'b', 1, 2_000));
    figures.add(rcpt('MessageRead', 'g2', 'c', 1, 3_000));
    figures.add(rcpt('MessageRead', 'g2', 'b', 1, 5_000));
    const s = figures.snapshot();
    expect(s.sentToDelivered).toEqual({ count: 2, p50: 2_000, p90: 3_000, p99: 3_000 });
    expect(s.deliveredToRead).toEqual({ count: 2, p50: 0, p90: 3_000, p99: 3_000 });
  });

  it('a read without an earlier delivered receipt counts as delivered then (0 ms to read)', () => {
    const figures = new LiveFigures();
    figures.add(sent('d2', 1, 'a', ['b'], 0));
    figures.add(rcpt('MessageRead', 'd2', 'b', 1, 4_000));
    expect(figures.snapshot().sentToDelivered.p50).toBe(4_000);
    expect(figures.snapshot().deliveredToRead.p50).toBe(0);
  });

  it('windows slide with event time', () => {
    const figures = new LiveFigures();
    figures.add(sent('d3', 1, 'a', ['b'], 0));
    figures.add(sent('d3', 2, 'a', ['b'], 61_000));
    expect(figures.snapshot().messagesPerMinute).toBe(1);
    figures.add(ce('DeviceConnected', 400_000, { userId: 'z', deviceId: 'p', at: iso(400_000) }));
    // a's last activity (61 s) is more than 5 minutes before 400 s.
    expect(figures.snapshot().activeUsers).toBe(1);
  });
});
