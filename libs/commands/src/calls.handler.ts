import {
  CALL_EVENT_TYPES,
  CallEvent,
  CallLog,
  CallMedia,
  Clock,
  CONVERSATION_EVENT_TYPES,
  ConversationEvent,
  decideAnswerCall,
  decideDeclineCall,
  decideHangUp,
  decideRingTimeout,
  decideStartCall,
  DirectConversation,
  directCallAudience,
  evolveCallLog,
  evolveDirectConversation,
  evolveGroup,
  GROUP_EVENT_TYPES,
  GroupConversation,
  groupCallAudience,
  GroupEvent,
  initialCallLog,
  initialDirectConversation,
  initialGroup,
  isEventOf,
  isGroupConversation,
  OngoingCall,
  streams,
} from '../../domain/src/index.js';
import type { AggregateStore, AggregateType } from './aggregate-store.js';

/** A conversation read for a call: who may call (its own state) and the calls in it. */
interface Callable<C> {
  conversation: C;
  calls: CallLog;
}

const isCallEvent = isEventOf(CALL_EVENT_TYPES);

function callable<C, T extends ConversationEvent['type'] | GroupEvent['type']>(
  name: string,
  eventTypes: Record<T, true>,
  initial: () => C,
  evolve: (state: C, event: Extract<ConversationEvent | GroupEvent, { type: T }>) => C,
): AggregateType<Callable<C>, T | CallEvent['type']> {
  return {
    name,
    eventTypes: { ...eventTypes, ...CALL_EVENT_TYPES },
    initial: () => ({ conversation: initial(), calls: initialCallLog() }),
    evolve: (state, event) => {
      if (isCallEvent(event)) evolveCallLog(state.calls, event);
      else evolve(state.conversation, event as Extract<ConversationEvent | GroupEvent, { type: T }>);
      return state;
    },
  };
}

const DirectCalls = callable<DirectConversation, ConversationEvent['type']>('DirectCalls', CONVERSATION_EVENT_TYPES, initialDirectConversation, evolveDirectConversation);
const GroupCalls = callable<GroupConversation, GroupEvent['type']>('GroupCalls', GROUP_EVENT_TYPES, initialGroup, evolveGroup);

/** Records calls in the conversation's stream; each method answers with the events it appended (the gateway relays them). */
export class CallsHandler {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly clock: Clock,
  ) {}

  start(caller: { userId: string; deviceId: string }, conversationId: string, callId: string, media: CallMedia, busy: ReadonlySet<string>): Promise<CallEvent[]> {
    const command = { callId, callerId: caller.userId, callerDeviceId: caller.deviceId, media, now: this.clock.now(), busy };
    return this.decide(
      conversationId,
      (state) => decideStartCall(state.calls, groupCallAudience(state.conversation), command),
      (state) => decideStartCall(state.calls, directCallAudience(state.conversation, conversationId), command),
    );
  }

  answer(userId: string, deviceId: string, conversationId: string, callId: string): Promise<CallEvent[]> {
    return this.onCalls(conversationId, (calls, now) => decideAnswerCall(calls, conversationId, callId, userId, deviceId, now));
  }

  decline(userId: string, conversationId: string, callId: string): Promise<CallEvent[]> {
    return this.onCalls(conversationId, (calls, now) => decideDeclineCall(calls, conversationId, callId, userId, now));
  }

  hangUp(userId: string, conversationId: string, callId: string): Promise<CallEvent[]> {
    return this.onCalls(conversationId, (calls, now) => decideHangUp(calls, conversationId, callId, userId, now));
  }

  /** The call if it is going on (read fresh: signalling follows answers made on any process). */
  async ongoing(conversationId: string, callId: string): Promise<OngoingCall | undefined> {
    const stream = streams.conversation(conversationId);
    const { state } = isGroupConversation(conversationId) ? await this.aggregates.load(stream, GroupCalls) : await this.aggregates.load(stream, DirectCalls);
    return state.calls.ongoing.get(callId);
  }

  ringTimeout(conversationId: string, callId: string): Promise<CallEvent[]> {
    return this.onCalls(conversationId, (calls, now) => decideRingTimeout(calls, conversationId, callId, now));
  }

  private onCalls(conversationId: string, decide: (calls: CallLog, now: Date) => CallEvent[]): Promise<CallEvent[]> {
    const now = this.clock.now();
    return this.decide(conversationId, (state) => decide(state.calls, now), (state) => decide(state.calls, now));
  }

  private decide(
    conversationId: string,
    group: (state: Callable<GroupConversation>) => CallEvent[],
    direct: (state: Callable<DirectConversation>) => CallEvent[],
  ): Promise<CallEvent[]> {
    const stream = streams.conversation(conversationId);
    const decision = <S>(decide: (state: S) => CallEvent[]) => (state: S) => {
      const events = decide(state);
      return { events, result: events };
    };
    return isGroupConversation(conversationId)
      ? this.aggregates.execute(stream, GroupCalls, decision(group))
      : this.aggregates.execute(stream, DirectCalls, decision(direct));
  }
}
