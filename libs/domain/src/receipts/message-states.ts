import { MessageSent, ReceiptEvent, ReceiptKind } from '../events.js';
import { evolveReceiptWatermark, initialReceiptWatermark, ReceiptWatermark } from './receipt-watermark.js';

/** A moment one member's watermark moved forward. */
export interface ReceiptStep {
  kind: ReceiptKind;
  upToSeq: number;
  at: string;
}

/**
 * Folds one member's receipt events in one conversation with the command side's
 * `evolveReceiptWatermark`, and remembers every step forward (ignored, lower watermarks leave
 * no step), so a message's delivery and read times can be told.
 */
export function foldReceiptProgress(events: ReceiptEvent[]): { watermark: ReceiptWatermark; steps: ReceiptStep[] } {
  let watermark = initialReceiptWatermark();
  const steps: ReceiptStep[] = [];
  for (const event of events) {
    const before = { ...watermark };
    watermark = evolveReceiptWatermark(watermark, event);
    const kind: ReceiptKind = event.type === 'MessageDelivered' ? 'delivered' : 'read';
    if (watermark[kind] > before[kind]) steps.push({ kind, upToSeq: watermark[kind], at: event.data.at });
  }
  return { watermark, steps };
}

/** A message's status as its sender sees it (the protocol's `status`). */
export type MessageStatus = 'sent' | 'delivered' | 'read';

export interface MessageReceiptState {
  messageId: string;
  seq: number;
  /** Everyone else in the conversation when the message was sent. */
  recipients: string[];
  delivered: { userId: string; at: string }[];
  read: { userId: string; at: string }[];
  pending: string[];
  /** As the sender sees it: delivered (read) once every recipient has it delivered (read). */
  status: MessageStatus;
}

/** The first step of `kinds` covering `seq`, if any. */
function coveredAt(steps: ReceiptStep[], seq: number, kinds: ReceiptKind[]): string | undefined {
  let first: string | undefined;
  for (const step of steps) {
    if (kinds.includes(step.kind) && step.upToSeq >= seq && (first === undefined || step.at < first)) first = step.at;
  }
  return first;
}

/**
 * The receipt state of each message given every recipient's watermark steps. `read` implies
 * `delivered` (the command side records both), and a read step also counts as delivery.
 */
export function messageReceiptStates(messages: MessageSent['data'][], stepsByUser: Map<string, ReceiptStep[]>): MessageReceiptState[] {
  return messages.map((message) => {
    const delivered: { userId: string; at: string }[] = [];
    const read: { userId: string; at: string }[] = [];
    const pending: string[] = [];
    for (const userId of message.recipientIds) {
      const steps = stepsByUser.get(userId) ?? [];
      const deliveredAt = coveredAt(steps, message.seq, ['delivered', 'read']);
      const readAt = coveredAt(steps, message.seq, ['read']);
      if (deliveredAt) delivered.push({ userId, at: deliveredAt });
      else pending.push(userId);
      if (readAt) read.push({ userId, at: readAt });
    }
    const all = message.recipientIds.length;
    const status: MessageStatus = all > 0 && read.length === all ? 'read' : all > 0 && delivered.length === all ? 'delivered' : 'sent';
    return { messageId: message.messageId, seq: message.seq, recipients: [...message.recipientIds], delivered, read, pending, status };
  });
}
