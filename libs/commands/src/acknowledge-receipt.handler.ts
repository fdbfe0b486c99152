import { decideAcknowledgeReceipt, forbidden, notFound, ReceiptKind, streams } from '../../domain/src/index.js';
import { AggregateStore } from './aggregate-store.js';
import { DirectConversationAggregate, ReceiptWatermarkAggregate } from './aggregates.js';

export class AcknowledgeReceiptHandler {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async acknowledge(userId: string, conversationId: string, kind: ReceiptKind, upToSeq: number): Promise<void> {
    const conversation = await this.aggregates.load(streams.conversation(conversationId), DirectConversationAggregate, true);
    const participants = conversation.state.participants;
    if (!participants) throw notFound('conversation_not_found', 'no conversation with that id');
    if (!participants.includes(userId)) throw forbidden('not_a_participant', 'you are not a participant of this conversation');
    await this.aggregates.execute(streams.receipts(conversationId, userId), ReceiptWatermarkAggregate, (state) => ({
      events: decideAcknowledgeReceipt(
        { conversationId, userId, kind, upToSeq, lastSeq: conversation.state.lastSeq, now: this.clock() },
        state,
      ),
      result: undefined,
    }));
  }
}
