import { MessageDelivered, MessageRead, ReceiptEvent, ReceiptKind } from '../events.js';

/** One member's receipt watermarks in one conversation. */
export interface ReceiptWatermark {
  delivered: number;
  read: number;
}

export interface AcknowledgeReceipt {
  conversationId: string;
  userId: string;
  kind: ReceiptKind;
  upToSeq: number;
  /** The conversation's last seq: a watermark never claims messages that do not exist yet. */
  lastSeq: number;
  /** False in a direct chat where either side turned read receipts off. */
  readReceiptsShared: boolean;
  /** Who else a watermark moving over (afterSeq, upToSeq] concerns: the peer of a direct chat, the senders in a group. */
  concerned: (afterSeq: number, upToSeq: number) => string[];
  now: Date;
}

export const initialReceiptWatermark = (): ReceiptWatermark => ({ delivered: 0, read: 0 });

/**
 * A watermark never moves back; a lower or equal one yields no event. `read` implies
 * `delivered`, so reading past the delivered watermark records both facts.
 */
export function decideAcknowledgeReceipt(command: AcknowledgeReceipt, state: ReceiptWatermark): ReceiptEvent[] {
  const upToSeq = Math.min(command.upToSeq, command.lastSeq);
  const data = { conversationId: command.conversationId, userId: command.userId, upToSeq, at: command.now.toISOString() };
  const audience = (afterSeq: number) => [...new Set([command.userId, ...command.concerned(afterSeq, upToSeq)])];
  const events: ReceiptEvent[] = [];
  if (upToSeq > state.delivered) events.push({ type: 'MessageDelivered', data: { ...data, audience: audience(state.delivered) } } satisfies MessageDelivered);
  if (command.kind === 'read' && upToSeq > state.read) {
    // A read that is not shared still syncs the reader's own devices.
    const readAudience = command.readReceiptsShared ? audience(state.read) : [command.userId];
    events.push({ type: 'MessageRead', data: { ...data, audience: readAudience, shared: command.readReceiptsShared } } satisfies MessageRead);
  }
  return events;
}

export function evolveReceiptWatermark(state: ReceiptWatermark, event: ReceiptEvent): ReceiptWatermark {
  if (event.type === 'MessageDelivered') state.delivered = Math.max(state.delivered, event.data.upToSeq);
  else state.read = Math.max(state.read, event.data.upToSeq);
  return state;
}
