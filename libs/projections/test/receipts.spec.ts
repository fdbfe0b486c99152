import { describe, expect, it } from 'vitest';
import { receiptHistoryRow } from '../src/receipts.projection.js';
import type { ReceiptEvent } from '../../domain/src/events.js';
import { delivered, read } from './events.js';

describe('receipts projection', () => {
  it('records every watermark move with its kind', () => {
    expect(receiptHistoryRow(delivered('bob', 'd1', 3, 't1'))).toEqual({
      conversation_id: 'd1', user_id: 'bob', kind: 'delivered', up_to_seq: 3, at: 't1', shared: true,
    });
    expect(receiptHistoryRow(read('bob', 'd1', 2, true, 't2'))).toMatchObject({ kind: 'read', up_to_seq: 2, at: 't2', shared: true });
  });

  it('a read made with read receipts off is kept, marked not shared', () => {
    expect(receiptHistoryRow(read('bob', 'd1', 2, false))).toMatchObject({ kind: 'read', shared: false });
  });

  it('a read recorded before reads could be private counts as shared', () => {
    const { shared: _, ...older } = read('bob', 'd1', 2).data;
    expect(receiptHistoryRow({ type: 'MessageRead', data: older } as ReceiptEvent)).toMatchObject({ shared: true });
  });
});
