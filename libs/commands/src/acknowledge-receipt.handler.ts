import {
  acknowledgeableSeq,
  decideAcknowledgeReceipt,
  forbidden,
  isGroupConversation,
  notFound,
  ReceiptKind,
  streams,
} from '../../domain/src/index.js';
import { AggregateStore } from './aggregate-store.js';
import { DirectConversationAggregate, GroupAggregate, ReceiptWatermarkAggregate } from './aggregates.js';

export class AcknowledgeReceiptHandler {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async acknowledge(userId: string, conversationId: string, kind: ReceiptKind, upToSeq: number): Promise<void> {
    const lastSeq = await this.acknowledgeableSeq(userId, conversationId);
    await this.aggregates.execute(streams.receipts(conversationId, userId), ReceiptWatermarkAggregate, (state) => ({
      events: decideAcknowledgeReceipt({ conversationId, userId, kind, upToSeq, lastSeq, now: this.clock() }, state),
      result: undefined,
    }));
  }

  /** The highest seq this user may acknowledge; refuses strangers. */
  private async acknowledgeableSeq(userId: string, conversationId: string): Promise<number> {
    const stream = streams.conversation(conversationId);
    if (isGroupConversation(conversationId)) {
      const group = await this.aggregates.load(stream, GroupAggregate, true);
      return acknowledgeableSeq(group.state, userId);
    }
    const direct = await this.aggregates.load(stream, DirectConversationAggregate, true);
    const participants = direct.state.participants;
    if (!participants) throw notFound('conversation_not_found', 'no conversation with that id');
    if (!participants.includes(userId)) throw forbidden('not_a_participant', 'you are not a participant of this conversation');
    return direct.state.log.lastSeq;
  }
}
