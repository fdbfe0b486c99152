import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  decideSendDirectMessage,
  decideSendGroupMessage,
  directConversationId,
  isGroupConversation,
  notFound,
  MessageDraft,
  MessageKind,
  SendDecision,
  SentMessage,
  streams,
} from '../../domain/src/index.js';
import { AggregateStore } from './aggregate-store.js';
import { DirectConversationAggregate, GroupAggregate } from './aggregates.js';
import { UserDirectory } from './user-directory.js';

export interface SendMessageInput {
  clientMsgId: string;
  to: { userId?: string; groupId?: string };
  kind: MessageKind;
  body?: string | null;
  mediaId?: string | null;
  replyTo?: string | null;
  forwardOf?: string | null;
}

export interface Sender {
  userId: string;
  deviceId: string;
}

export interface SendResult extends SentMessage {
  /** True when this clientMsgId was already sent: nothing new was appended. */
  duplicate: boolean;
}

const asResult = (decision: SendDecision) =>
  'duplicateOf' in decision
    ? { events: [], result: { ...decision.duplicateOf, duplicate: true } }
    : { events: decision.events, result: { ...decision.sent, duplicate: false } };

const RECENT_SENDS = 100_000;

export class SendMessageHandler {
  /** This process's latest sends by (sender, clientMsgId): covers the moment before the read model has them. */
  private readonly recentSends = new Map<string, SentMessage>();

  constructor(
    private readonly aggregates: AggregateStore,
    private readonly users: UserDirectory,
    private readonly db: DataSource,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async send(sender: Sender, input: SendMessageInput): Promise<SendResult> {
    // clientMsgId is unique per sender: a repeat to another conversation is answered too. The
    // conversation's own state answers repeats in it exactly; these cover the other conversations.
    const key = `${sender.userId}\u0000${input.clientMsgId}`;
    const elsewhere = this.recentSends.get(key) ?? (await this.earlierSend(sender.userId, input.clientMsgId));
    if (elsewhere) return { ...elsewhere, duplicate: true };
    const result = await this.decideAndAppend(sender, input);
    this.recentSends.set(key, { messageId: result.messageId, conversationId: result.conversationId, seq: result.seq, sentAt: result.sentAt });
    if (this.recentSends.size > RECENT_SENDS) this.recentSends.delete(this.recentSends.keys().next().value!);
    return result;
  }

  private async decideAndAppend(sender: Sender, input: SendMessageInput): Promise<SendResult> {
    const draft = (conversationId: string): MessageDraft => ({
      conversationId,
      messageId: randomUUID(),
      senderId: sender.userId,
      senderDeviceId: sender.deviceId,
      clientMsgId: input.clientMsgId,
      kind: input.kind,
      body: input.body ?? null,
      mediaId: input.mediaId ?? null,
      replyTo: input.replyTo ?? null,
      forwardOf: input.forwardOf ?? null,
      now: this.clock(),
    });

    if (input.to.groupId !== undefined) {
      const groupId = input.to.groupId;
      if (!isGroupConversation(groupId)) throw notFound('group_not_found', 'no group with that id');
      return this.aggregates.execute(streams.conversation(groupId), GroupAggregate, (state) =>
        asResult(decideSendGroupMessage({ ...draft(groupId), groupId }, state)),
      );
    }
    const recipientId = input.to.userId!;
    if (recipientId !== sender.userId) await this.users.assertExist([recipientId]);
    const conversationId = directConversationId(sender.userId, recipientId);
    return this.aggregates.execute(streams.conversation(conversationId), DirectConversationAggregate, (state) =>
      asResult(decideSendDirectMessage({ ...draft(conversationId), recipientId }, state)),
    );
  }

  private async earlierSend(senderId: string, clientMsgId: string): Promise<SentMessage | undefined> {
    const rows: { message_id: string; conversation_id: string; seq: number; sent_at: Date }[] = await this.db.query(
      'SELECT message_id, conversation_id, seq, sent_at FROM messages WHERE sender_id = $1 AND client_msg_id = $2 LIMIT 1',
      [senderId, clientMsgId],
    );
    const row = rows[0];
    return row && { messageId: row.message_id, conversationId: row.conversation_id, seq: row.seq, sentAt: row.sent_at.toISOString() };
  }
}
