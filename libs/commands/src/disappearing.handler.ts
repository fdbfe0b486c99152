import {
  Clock,
  decideDirectTimer,
  decideGroupTimer,
  DisappearingTimer,
  DisappearingTimerSet,
  systemClock,
} from '../../domain/src/index.js';
import { AggregateStore } from './aggregate-store.js';
import { executeOnConversation } from './aggregates.js';

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
    const decided = (events: DisappearingTimerSet[]) => ({ events, result: { conversationId, seconds, changed: events.length > 0 } });
    return executeOnConversation(this.aggregates, conversationId, {
      group: (state) => decided(decideGroupTimer(state, userId, seconds, now)),
      direct: (state) => decided(decideDirectTimer(state, conversationId, userId, seconds, now)),
    });
  }
}
