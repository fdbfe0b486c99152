import {
  acknowledgeableSeq,
  Clock,
  decideAcknowledgeReceipt,
  forbidden,
  isGroupConversation,
  notFound,
  ReceiptKind,
  readReceiptsShared,
  sendersSeenBy,
  streams,
  systemClock,
} from '../../domain/src/index.js';
import { AggregateStore } from './aggregate-store.js';
import { DirectConversationAggregate, GroupAggregate, PrivacyAggregate, ReceiptWatermarkAggregate } from './aggregates.js';

export class AcknowledgeReceiptHandler {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly clock: Clock = systemClock,
  ) {}

  async acknowledge(userId: string, conversationId: string, kind: ReceiptKind, upToSeq: number): Promise<void> {
    const { lastSeq, peerId, concerned } = await this.scope(userId, conversationId);
    const readReceiptsShared = peerId === undefined || (await this.readReceiptsShared(userId, peerId));
    return this.aggregates.execute(streams.receipts(conversationId, userId), ReceiptWatermarkAggregate, (state) => ({
      events: decideAcknowledgeReceipt({ conversationId, userId, kind, upToSeq, lastSeq, readReceiptsShared, concerned, now: this.clock.now() }, state),
      result: undefined,
    }));
  }

  /**
   * Group read receipts are always shared; in a direct chat only when both sides have them on.
   * Cached settings are good enough here (a change made through this process is already in the
   * cache; one made through another instance reaches it when the cache entry is next refreshed).
   */
  private async readReceiptsShared(userId: string, peerId: string): Promise<boolean> {
    const [mine, theirs] = await Promise.all([
      this.aggregates.load(streams.privacy(userId), PrivacyAggregate, false),
      this.aggregates.load(streams.privacy(peerId), PrivacyAggregate, false),
    ]);
    return readReceiptsShared(mine.state.settings, theirs.state.settings);
  }

  /** The highest seq this user may acknowledge, the other side of a direct chat, and whom a watermark concerns; refuses strangers. */
  private async scope(
    userId: string,
    conversationId: string,
  ): Promise<{ lastSeq: number; peerId?: string; concerned: (afterSeq: number, upToSeq: number) => string[] }> {
    const stream = streams.conversation(conversationId);
    if (isGroupConversation(conversationId)) {
      const group = await this.aggregates.load(stream, GroupAggregate, true);
      return { lastSeq: acknowledgeableSeq(group.state, userId), concerned: (after, upTo) => sendersSeenBy(group.state, userId, after, upTo) };
    }
    const direct = await this.aggregates.load(stream, DirectConversationAggregate, true);
    const participants = direct.state.participants;
    if (!participants) throw notFound('conversation_not_found', 'no conversation with that id');
    if (!participants.includes(userId)) throw forbidden('not_a_participant', 'you are not a participant of this conversation');
    const peerId = participants.find((id) => id !== userId) ?? userId;
    return { lastSeq: direct.state.log.lastSeq, peerId, concerned: () => [peerId] };
  }
}
