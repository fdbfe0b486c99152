import {
  Clock,
  decideDirectTimer,
  decideGroupTimer,
  DisappearingTimer,
  DisappearingTimerSet,
  isGroupConversation,
  streams,
  systemClock,
} from '../../domain/src/index.js';
import { AggregateStore } from './aggregate-store.js';
import { DirectConversationAggregate, GroupAggregate } from './aggregates.js';

export interface TimerSetting {
  conversationId: string;
  seconds: DisappearingTimer;
  /** False when the conversation had this timer already: nothing was recorded. */
  changed: boolean;
}

/** Disappearing messages: the timer is conversation state, in its stream, so every send is decided against one timer. */
export class DisappearingHandler {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly clock: Clock = systemClock,
  ) {}

  set(userId: string, conversationId: string, seconds: DisappearingTimer): Promise<TimerSetting> {
    const now = this.clock.now();
    const stream = streams.conversation(conversationId);
    const decided = (events: DisappearingTimerSet[]) => ({ events, result: { conversationId, seconds, changed: events.length > 0 } });
    if (isGroupConversation(conversationId)) {
      return this.aggregates.execute(stream, GroupAggregate, (state) => decided(decideGroupTimer(state, userId, seconds, now)));
    }
    return this.aggregates.execute(stream, DirectConversationAggregate, (state) => decided(decideDirectTimer(state, conversationId, userId, seconds, now)));
  }
}
