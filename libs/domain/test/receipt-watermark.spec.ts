import { describe, expect, it } from 'vitest';
import {
  AcknowledgeReceipt,
  decideAcknowledgeReceipt,
  evolveReceiptWatermark,
  initialReceiptWatermark,
  ReceiptEvent,
} from '../src/index.js';
import { specify } from './given-when-then.js';

const now = new Date('2026-11-24T12:00:00.000Z');
const at = now.toISOString();
const watermark = specify(initialReceiptWatermark, evolveReceiptWatermark, decideAcknowledgeReceipt);
const ack = (kind: 'delivered' | 'read', upToSeq: number, lastSeq = 10): AcknowledgeReceipt => ({
  conversationId: 'd1', userId: 'bob', kind, upToSeq, lastSeq, now, readReceiptsShared: true, concerned: () => ['alice'],
});
const delivered = (upToSeq: number): ReceiptEvent => ({
  type: 'MessageDelivered',
  data: { conversationId: 'd1', userId: 'bob', upToSeq, at, audience: ['bob', 'alice'] },
});
const read = (upToSeq: number, shared = true): ReceiptEvent => ({
  type: 'MessageRead',
  data: { conversationId: 'd1', userId: 'bob', upToSeq, at, audience: shared ? ['bob', 'alice'] : ['bob'], shared },
});

describe('receipt watermarks', () => {
  it('a delivered receipt moves the delivered watermark', () => {
    watermark.given().when(ack('delivered', 3)).then([delivered(3)]);
  });

  it('a lower or equal watermark is accepted and records nothing', () => {
    watermark.given(delivered(5)).when(ack('delivered', 5)).then([]);
    watermark.given(delivered(5)).when(ack('delivered', 2)).then([]);
    watermark.given(delivered(5), read(5)).when(ack('read', 4)).then([]);
  });

  it('read implies delivered: reading past the delivered watermark records both', () => {
    watermark.given(delivered(2)).when(ack('read', 4)).then([delivered(4), read(4)]);
  });

  it('reading what was already delivered records only the read', () => {
    watermark.given(delivered(6)).when(ack('read', 4)).then([read(4)]);
  });

  it('a watermark never claims messages that do not exist yet', () => {
    watermark.given().when(ack('delivered', 99, 7)).then([delivered(7)]);
  });

  it('records a read that is not shared when read receipts are off', () => {
    watermark.given(delivered(4)).when({ ...ack('read', 4), readReceiptsShared: false }).then([read(4, false)]);
  });

  it('addresses each event to the user and to whom the range it newly covers concerns', () => {
    const ranges: [number, number][] = [];
    const events = watermark
      .given(delivered(2), read(1))
      .when({ ...ack('read', 6), concerned: (afterSeq, upToSeq) => (ranges.push([afterSeq, upToSeq]), afterSeq === 2 ? ['carol'] : ['carol', 'dave']) })
      .result();
    expect(ranges).toEqual([[2, 6], [1, 6]]);
    expect(events.map((e) => e.data.audience)).toEqual([['bob', 'carol'], ['bob', 'carol', 'dave']]);
  });

  it('acknowledging 500 messages at once is one watermark event', () => {
    expect(watermark.given().when(ack('delivered', 500, 500)).result()).toHaveLength(1);
  });
});
