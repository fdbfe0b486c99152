import { randomUUID } from 'node:crypto';
import { ClaimTakenError } from '../../event-store/src/event-store.port.js';
import {
  Clock,
  decideDirectForward,
  decideGroupForward,
  decideSendDirectMessage,
  conversationOfStream,
  decideSendGroupMessage,
  directConversationId,
  DomainError,
  ForwardCopy,
  isGroupConversation,
  notFound,
  MessageDraft,
  MessageKind,
  SendDecision,
  sendClaim,
  sendKey,
  SentMessage,
  streams,
  systemClock,
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

export type Recipient = SendMessageInput['to'];

/** Whether a sender may name a media object in a message of a kind (libs/media answers: it exists, they uploaded it or may fetch it, it is of that kind). */
export interface MediaUse {
  assertUsable(senderId: string, mediaId: string, kind: MessageKind): Promise<void>;
}

/** For handlers that never see a media message (history seeding, unit tests): any mediaId is refused. */
export const NO_MEDIA: MediaUse = {
  assertUsable: async () => {
    throw notFound('media_not_found', 'no media with that id (or it was removed)');
  },
};

/** Forward one message (named with its conversation, where it is checked) to up to five chats. */
export interface ForwardInput {
  clientMsgId: string;
  to: Recipient[];
}

/**
 * The clientMsgId a forward's copy is sent with: one per (request, chat), so a retry finds each
 * copy already made by its claim, whatever the order or subset of `to` it names.
 */
export const forwardClientMsgId = (clientMsgId: string, to: Recipient): string =>
  to.groupId !== undefined ? `${clientMsgId}:group:${to.groupId}` : `${clientMsgId}:user:${to.userId}`;

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

export class SendMessageHandler {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly users: UserDirectory,
    private readonly media: MediaUse,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Idempotent by (sender, clientMsgId), exactly and with no read model: a repeat in the same
   * conversation is answered from the conversation's state; the send's claim in the event store
   * (`sendClaim`) refuses a repeat to another conversation, which is then answered from the
   * conversation that holds the claim.
   */
  send(sender: Sender, input: SendMessageInput): Promise<SendResult> {
    return this.sendOnce(sender, input);
  }

  /**
   * Checks the source in its own conversation, then sends one copy per chat, in order: each
   * copy is a send of its own (not atomic across chats). The first copy refused stops the rest;
   * its error says which chat and which copies were made, and a retry with the same clientMsgId
   * answers those from their claims and makes only the missing ones.
   */
  async forward(sender: Sender, source: { conversationId: string; messageId: string }, input: ForwardInput): Promise<SendResult[]> {
    const copy = await this.forwardCopy(sender.userId, source, input.to.length);
    const results: SendResult[] = [];
    for (const to of input.to) {
      const send = { clientMsgId: forwardClientMsgId(input.clientMsgId, to), to, kind: copy.kind, body: copy.body, mediaId: copy.mediaId, forwardOf: copy.forwardOf };
      try {
        results.push(await this.sendOnce(sender, send, copy.forwardScore));
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        throw new DomainError(error.kind, error.code, error.message, { to, forwarded: results.map(({ duplicate: _, ...sent }) => sent) });
      }
    }
    return results;
  }

  private async forwardCopy(userId: string, source: { conversationId: string; messageId: string }, targets: number): Promise<ForwardCopy> {
    const stream = streams.conversation(source.conversationId);
    const command = { messageId: source.messageId, userId, targets };
    if (isGroupConversation(source.conversationId)) return decideGroupForward(command, (await this.aggregates.load(stream, GroupAggregate)).state);
    return decideDirectForward(command, (await this.aggregates.load(stream, DirectConversationAggregate)).state);
  }

  /** `forwardScore`: set for a forward's copy, whose source was checked in its own conversation. */
  private async sendOnce(sender: Sender, input: SendMessageInput, forwardScore?: number): Promise<SendResult> {
    // A forward's copy names the media of a source its sender was checked to see, in its own conversation.
    if (input.mediaId && forwardScore === undefined) await this.media.assertUsable(sender.userId, input.mediaId, input.kind);
    try {
      return await this.decideAndAppend(sender, input, forwardScore);
    } catch (error) {
      if (!(error instanceof ClaimTakenError)) throw error;
      return this.earlierSend(sender, input.clientMsgId, error.holder);
    }
  }

  private async decideAndAppend(sender: Sender, input: SendMessageInput, forwardScore: number | undefined): Promise<SendResult> {
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
      forwardScore,
      now: this.clock.now(),
    });

    if (input.to.groupId !== undefined) {
      const groupId = input.to.groupId;
      if (!isGroupConversation(groupId)) throw notFound('group_not_found', 'no group with that id');
      return this.aggregates.execute(
        streams.conversation(groupId),
        GroupAggregate,
        (state) => asResult(decideSendGroupMessage({ ...draft(groupId), groupId }, state)),
        { claims: [sendClaim(sender.userId, input.clientMsgId)] },
      );
    }
    const recipientId = input.to.userId!;
    if (recipientId !== sender.userId) await this.users.assertExist([recipientId]);
    const conversationId = directConversationId(sender.userId, recipientId);
    return this.aggregates.execute(
      streams.conversation(conversationId),
      DirectConversationAggregate,
      (state) => asResult(decideSendDirectMessage({ ...draft(conversationId), recipientId }, state)),
      { claims: [sendClaim(sender.userId, input.clientMsgId)] },
    );
  }

  private async earlierSend(sender: Sender, clientMsgId: string, holder: string): Promise<SendResult> {
    const log = isGroupConversation(conversationOfStream(holder))
      ? (await this.aggregates.load(holder, GroupAggregate, true)).state.log
      : (await this.aggregates.load(holder, DirectConversationAggregate, true)).state.log;
    const earlier = log.sends.get(sendKey(sender.userId, clientMsgId));
    // Only a claim whose events were never appended (EventStoreDB, after a failure between the two) has no send.
    if (!earlier) throw new DomainError('conflict', 'client_msg_id_in_use', 'this clientMsgId is held by another conversation; use a new one');
    return { ...earlier, duplicate: true };
  }
}
