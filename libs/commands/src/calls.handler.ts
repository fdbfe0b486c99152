import {
  CALL_EVENT_TYPES,
  CALL_LINE_EVENT_TYPES,
  CallLine,
  CallLineTaken,
  decideTakeCallLine,
  evolveCallLine,
  initialCallLine,
  lineOccupied,
  CallEvent,
  CallLog,
  CallMedia,
  Clock,
  ConversationEvent,
  decideAnswerCall,
  decideDeclineCall,
  decideHangUp,
  decideRingTimeout,
  decideStartCall,
  DirectConversation,
  directCallAudience,
  evolveCallLog,
  GroupConversation,
  groupCallAudience,
  GroupEvent,
  initialCallLog,
  isEventOf,
  isGroupConversation,
  OngoingCall,
  streams,
} from '../../domain/src/index.js';
import type { EventOfType } from '../../domain/src/event-types.js';
import type { AggregateStore, AggregateType } from './aggregate-store.js';
import { DirectConversationAggregate, GroupAggregate } from './aggregates.js';

/** A conversation read for a call: who may call (its own state) and the calls in it. */
interface Callable<C> {
  conversation: C;
  calls: CallLog;
}

const isCallEvent = isEventOf(CALL_EVENT_TYPES);

/** A conversation's aggregate, read with the calls in its stream beside its own state. */
function callable<C, T extends ConversationEvent['type'] | GroupEvent['type']>(name: string, base: AggregateType<C, T>): AggregateType<Callable<C>, T | CallEvent['type']> {
  return {
    name,
    eventTypes: { ...base.eventTypes, ...CALL_EVENT_TYPES },
    initial: () => ({ conversation: base.initial(), calls: initialCallLog() }),
    evolve: (state, event) => {
      if (isCallEvent(event)) evolveCallLog(state.calls, event);
      else base.evolve(state.conversation, event as EventOfType<T>);
      return state;
    },
  };
}

const DirectCalls = callable('DirectCalls', DirectConversationAggregate);
const GroupCalls = callable('GroupCalls', GroupAggregate);

const CallLineType: AggregateType<CallLine, CallLineTaken['type']> = {
  name: 'CallLine',
  eventTypes: CALL_LINE_EVENT_TYPES,
  initial: initialCallLine,
  evolve: evolveCallLine,
};

/** Another call took the line between reading whose it was and deciding on it: read it again. */
class CallLineMoved extends Error {}
const CALL_LINE_ATTEMPTS = 8;

/** What a call command appended, and whom the call's frames reach: its caller and everyone called. */
export interface CallOutcome {
  events: CallEvent[];
  people: string[];
}

/**
 * Records calls in the conversation's stream; each method answers with the events it appended
 * (the gateway relays them). Placing and answering a call first take the user's call line
 * (call-line.ts), and an invitee is busy when their line is held by a call that occupies them.
 */
export class CallsHandler {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly clock: Clock,
  ) {}

  /** Refusals come before the caller's line is taken, so a refused call leaves it free. */
  async start(caller: { userId: string; deviceId: string }, conversationId: string, callId: string, media: CallMedia): Promise<CallEvent[]> {
    const decideStart = (state: Callable<GroupConversation | DirectConversation>, busy: ReadonlySet<string>) => {
      const command = { callId, callerId: caller.userId, callerDeviceId: caller.deviceId, media, now: this.clock.now(), busy };
      const audience = 'members' in state.conversation ? groupCallAudience(state.conversation) : directCallAudience(state.conversation, conversationId);
      return decideStartCall(state.calls, audience, command);
    };
    const [started] = await this.refusedOnlyWhenFresh(conversationId, (state) => decideStart(state, new Set()));
    await this.takeLine(caller.userId, { callId, conversationId }, 'caller');
    const busy = await this.busyAmong(started.data.invitees);
    return (await this.decide(conversationId, callId, (state) => decideStart(state, busy))).events;
  }

  async answer(userId: string, deviceId: string, conversationId: string, callId: string): Promise<CallOutcome> {
    const decideAnswer = (calls: CallLog, now: Date) => decideAnswerCall(calls, conversationId, callId, userId, deviceId, now);
    await this.refusedOnlyWhenFresh(conversationId, (state) => decideAnswer(state.calls, this.clock.now()));
    await this.takeLine(userId, { callId, conversationId }, 'callee');
    return this.onCall(conversationId, callId, decideAnswer);
  }

  decline(userId: string, conversationId: string, callId: string): Promise<CallOutcome> {
    return this.onCall(conversationId, callId, (calls, now) => decideDeclineCall(calls, conversationId, callId, userId, now));
  }

  hangUp(userId: string, conversationId: string, callId: string): Promise<CallOutcome> {
    return this.onCall(conversationId, callId, (calls, now) => decideHangUp(calls, conversationId, callId, userId, now));
  }

  /** The call if it is going on; `refresh: false` may answer from this process's cache, which can only lag. */
  async ongoing(conversationId: string, callId: string, refresh = true): Promise<OngoingCall | undefined> {
    return (await this.loadCallable(conversationId, refresh)).calls.ongoing.get(callId);
  }

  async ringTimeout(conversationId: string, callId: string): Promise<CallEvent[]> {
    return (await this.onCall(conversationId, callId, (calls, now) => decideRingTimeout(calls, conversationId, callId, now))).events;
  }

  /** The conversation's state; `refresh: false` may answer from this process's cache, which can only lag. */
  private async loadCallable(conversationId: string, refresh = true): Promise<Callable<GroupConversation | DirectConversation>> {
    const stream = streams.conversation(conversationId);
    return isGroupConversation(conversationId)
      ? (await this.aggregates.load(stream, GroupCalls, refresh)).state
      : (await this.aggregates.load(stream, DirectCalls, refresh)).state;
  }

  /**
   * A check before taking a line, decided on the cached state first (no read on the way to a
   * ring); a refusal is decided again on the stream's newest events, for the cache may lag.
   */
  private async refusedOnlyWhenFresh<T>(conversationId: string, decide: (state: Callable<GroupConversation | DirectConversation>) => T): Promise<T> {
    try {
      return decide(await this.loadCallable(conversationId, false));
    } catch {
      return decide(await this.loadCallable(conversationId));
    }
  }

  /** Those invitees whose line is held by a call that occupies them. */
  private async busyAmong(invitees: string[]): Promise<Set<string>> {
    const busy = await Promise.all(
      invitees.map(async (userId) => {
        const { state } = await this.aggregates.load(streams.callLine(userId), CallLineType);
        return this.occupied(state, userId);
      }),
    );
    return new Set(invitees.filter((_, i) => busy[i]));
  }

  /**
   * Whether the line's call occupies the user. A cached state can only lag (a call it shows
   * ended, or left, or rung out, is so), so only an "occupied" is read again from the stream.
   */
  private async occupied(line: CallLine, userId: string): Promise<boolean> {
    const { held } = line;
    if (!held) return false;
    const occupiedIn = async (refresh: boolean) => lineOccupied(held, (await this.loadCallable(held.conversationId, refresh)).calls, userId, this.clock.now());
    return (await occupiedIn(false)) && occupiedIn(true);
  }

  /**
   * Takes the user's line for the call: whether the call holding it occupies them is read from
   * that call's conversation first, then decided on with the line's version check; if another
   * call took the line in between, it is read again.
   */
  private async takeLine(userId: string, call: { callId: string; conversationId: string }, role: 'caller' | 'callee'): Promise<void> {
    const stream = streams.callLine(userId);
    for (let attempt = 1; ; attempt++) {
      // The cached line may lag: the append's version check catches that, and the next attempt reads it fresh.
      const { state } = await this.aggregates.load(stream, CallLineType, attempt > 1);
      const seen = state.held?.callId;
      const occupied = await this.occupied(state, userId);
      try {
        await this.aggregates.execute(stream, CallLineType, (line) => {
          if (line.held?.callId !== seen) throw new CallLineMoved();
          const events = decideTakeCallLine(line, { userId, ...call, role, now: this.clock.now(), occupied });
          return { events, result: undefined };
        });
        return;
      } catch (error) {
        if (!(error instanceof CallLineMoved) || attempt >= CALL_LINE_ATTEMPTS) throw error;
      }
    }
  }

  private onCall(conversationId: string, callId: string, decide: (calls: CallLog, now: Date) => CallEvent[]): Promise<CallOutcome> {
    const now = this.clock.now();
    return this.decide(conversationId, callId, (state) => decide(state.calls, now));
  }

  private decide(conversationId: string, callId: string, decide: (state: Callable<GroupConversation | DirectConversation>) => CallEvent[]): Promise<CallOutcome> {
    const stream = streams.conversation(conversationId);
    const decision = (state: Callable<GroupConversation | DirectConversation>) => {
      const call = state.calls.ongoing.get(callId);
      const events = decide(state);
      return { events, result: { events, people: call ? [call.callerId, ...call.called] : [] } };
    };
    return isGroupConversation(conversationId) ? this.aggregates.execute(stream, GroupCalls, decision) : this.aggregates.execute(stream, DirectCalls, decision);
  }
}
