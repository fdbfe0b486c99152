import {
  Clock,
  decideDirectExpiry,
  decideDirectLifecycle,
  decideGroupExpiry,
  decideGroupLifecycle,
  DirectConversation,
  GroupConversation,
  LifecycleCommand,
  LifecycleWindows,
  loggedMessage,
  MessageLifecycleEvent,
  MessageLog,
  systemClock,
} from '../../domain/src/index.js';
import type { DataKeys } from '../../event-store/src/sealing/sealing-event-store.js';
import { AggregateStore } from './aggregate-store.js';
import { executeOnConversation } from './aggregates.js';

export interface ChangedMessage {
  messageId: string;
  seq: number;
}

/** Edits, deletions, expiries, reactions and stars of messages, in the conversation's own stream (one order with its sends). */
export class MessageLifecycleHandler {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly dataKeys: Pick<DataKeys, 'destroy'>,
    private readonly windows: LifecycleWindows,
    private readonly clock: Clock = systemClock,
  ) {}

  async edit(userId: string, conversationId: string, messageId: string, body: string): Promise<ChangedMessage & { editedAt: string }> {
    const { events, seq } = await this.decideCommand(conversationId, { type: 'EditMessage', messageId, userId, body, now: this.clock.now() });
    const [edited] = events;
    if (edited?.type !== 'MessageEdited') throw new Error('an edit records one MessageEdited');
    return { messageId, seq, editedAt: edited.data.editedAt };
  }

  deleteForEveryone(userId: string, conversationId: string, messageId: string): Promise<ChangedMessage> {
    return this.erased(messageId, this.decideCommand(conversationId, { type: 'DeleteForEveryone', messageId, userId, now: this.clock.now() }));
  }

  /** A message whose disappearing time came (the expiry job asks): erased as a deletion is, by no one. */
  expire(conversationId: string, messageId: string): Promise<ChangedMessage> {
    const now = this.clock.now();
    return this.erased(
      messageId,
      this.decide(conversationId, messageId, (state) => decideGroupExpiry(state, messageId, now), (state) => decideDirectExpiry(state, conversationId, messageId, now)),
    );
  }

  async deleteForMe(userId: string, conversationId: string, messageId: string): Promise<ChangedMessage> {
    const { seq } = await this.decideCommand(conversationId, { type: 'DeleteForMe', messageId, userId, now: this.clock.now() });
    return { messageId, seq };
  }

  /** Sets (or with null removes) the user's one reaction to the message. */
  async react(userId: string, conversationId: string, messageId: string, emoji: string | null): Promise<ChangedMessage & { emoji: string | null }> {
    const { seq } = await this.decideCommand(conversationId, { type: 'React', messageId, userId, emoji, now: this.clock.now() });
    return { messageId, seq, emoji };
  }

  async star(userId: string, conversationId: string, messageId: string, starred: boolean): Promise<ChangedMessage & { starred: boolean }> {
    const { seq } = await this.decideCommand(conversationId, { type: starred ? 'Star' : 'Unstar', messageId, userId, now: this.clock.now() });
    return { messageId, seq, starred };
  }

  /**
   * Records the deletion or expiry, then destroys the message's key: from then on its body (and
   * every edit's) is gone from the log, its copies and a rebuild. A repeat records nothing and
   * destroys again, so an erasure whose key survived a crash is finished by asking once more.
   */
  private async erased(messageId: string, decided: Promise<{ seq: number }>): Promise<ChangedMessage> {
    const { seq } = await decided;
    await this.dataKeys.destroy([messageId]);
    return { messageId, seq };
  }

  private decideCommand(conversationId: string, command: LifecycleCommand) {
    return this.decide(
      conversationId,
      command.messageId,
      (state) => decideGroupLifecycle(command, state, this.windows),
      (state) => decideDirectLifecycle(command, state, conversationId, this.windows),
    );
  }

  private decide(conversationId: string, messageId: string, inGroup: Decide<GroupConversation>, inDirect: Decide<DirectConversation>): Promise<{ events: MessageLifecycleEvent[]; seq: number }> {
    const decided = (events: MessageLifecycleEvent[], log: MessageLog) => ({ events, result: { events, seq: loggedMessage(log, messageId).seq } });
    return executeOnConversation(this.aggregates, conversationId, {
      group: (state) => decided(inGroup(state), state.log),
      direct: (state) => decided(inDirect(state), state.log),
    });
  }
}

type Decide<State> = (state: State) => MessageLifecycleEvent[];
