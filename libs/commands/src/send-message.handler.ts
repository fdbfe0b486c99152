import { randomUUID } from 'node:crypto';
import {
  decideSendDirectMessage,
  directConversationId,
  MessageKind,
  MessageSent,
  notFound,
  SentMessage,
  streams,
} from '../../domain/src/index.js';
import { AggregateStore, Decision } from './aggregate-store.js';
import { DirectConversationAggregate, UserAggregate } from './aggregates.js';

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

export class SendMessageHandler {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async send(sender: Sender, input: SendMessageInput): Promise<SendResult> {
    if (!input.to.userId) throw notFound('group_not_found', 'no such group');
    const recipientId = input.to.userId;
    const recipient = await this.aggregates.load(streams.user(recipientId), UserAggregate, false);
    if (!recipient.state.registered) {
      // A cached "unknown" may be stale: look again before refusing.
      const fresh = await this.aggregates.load(streams.user(recipientId), UserAggregate, true);
      if (!fresh.state.registered) throw notFound('user_not_found', 'no user with that id');
    }
    const conversationId = directConversationId(sender.userId, recipientId);
    return this.aggregates.execute(streams.conversation(conversationId), DirectConversationAggregate, (state): Decision<MessageSent, SendResult> => {
      const decision = decideSendDirectMessage(
        {
          conversationId,
          messageId: randomUUID(),
          senderId: sender.userId,
          senderDeviceId: sender.deviceId,
          recipientId,
          clientMsgId: input.clientMsgId,
          kind: input.kind,
          body: input.body ?? null,
          mediaId: input.mediaId ?? null,
          replyTo: input.replyTo ?? null,
          forwardOf: input.forwardOf ?? null,
          now: this.clock(),
        },
        state,
      );
      if ('duplicateOf' in decision) return { events: [], result: { ...decision.duplicateOf, duplicate: true } };
      return { events: decision.events, result: { ...decision.sent, duplicate: false } };
    });
  }
}
