import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { CallsHandler } from '../../commands/src/calls.handler.js';
import type { Clock } from '../../domain/src/clock.js';
import { devicesInCall, RING_TIMEOUT_MS } from '../../domain/src/call/call.js';
import { forbidden } from '../../domain/src/errors.js';
import type { CallEvent, CallMedia } from '../../domain/src/events.js';
import { PeriodicJob } from '../../platform/src/periodic-job.js';
import { PgNotifications } from '../../platform/src/pg-notifications.js';
import type { SqlRunner } from '../../read-models/src/data-source.js';
import type { CallSignal } from '../../protocol/src/dto/call.dto.js';
import type { LocalSockets } from './local-sockets.js';

interface Caller {
  userId: string;
  deviceId: string;
}

interface CallRef {
  callId: string;
  conversationId: string;
}

/** A frame and whom it goes to: every device of `users`, or one device. */
interface Envelope {
  frame: Record<string, unknown>;
  users?: string[];
  device?: Caller;
}

const CHANNEL = 'calls';
/** NOTIFY payloads stop at 8,000 bytes; an SDP offer can be longer, so envelopes travel in parts. */
const PART_CHARS = 7_000;
/** Parts of envelopes still arriving; an envelope whose parts were lost is dropped once this many newer ones wait. */
const MAX_PARTIAL = 1_000;
/** How often every query-api looks for calls still ringing past their time (their process died before its timer fired). */
const RING_SWEEP_MS = 10_000;
const RING_SWEEP_BATCH = 100;

interface Part {
  /** The relay that published it: it delivered the envelope to its own sockets already. */
  origin: string;
  id: string;
  index: number;
  count: number;
  text: string;
}

/**
 * Call signalling: invites, answers and hang-ups are recorded as the conversation's call
 * events (CallsHandler decides them: first accept wins, on any process); the frames they give
 * and the SDP and ICE candidates between the devices in a call are relayed to the devices
 * concerned on every query-api instance through NOTIFY, as typing is. Never stored, never
 * replayed: a device connecting later learns of the call from its feed item (CallEnded).
 */
export class CallRelay {
  private readonly ringing = new Map<string, unknown>();
  private readonly partial = new LRUCache<string, string[]>({ max: MAX_PARTIAL });
  private readonly ringSweeper: PeriodicJob;
  private readonly origin = randomUUID();

  constructor(
    private readonly db: SqlRunner,
    private readonly sockets: LocalSockets,
    private readonly calls: CallsHandler,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {
    this.ringSweeper = new PeriodicJob(clock, RING_SWEEP_MS, () => this.endOverdueRings(), (error) => logger.warn({ err: error }, 'ring sweep failed'));
  }

  async start(notifications: PgNotifications): Promise<void> {
    await notifications.listen(CHANNEL, (payload) => this.receivePart(JSON.parse(payload) as Part));
    this.ringSweeper.start();
  }

  async stop(): Promise<void> {
    for (const timer of this.ringing.values()) this.clock.clearTimeout(timer);
    this.ringing.clear();
    await this.ringSweeper.stop();
  }

  /** Places a call: rings every device of everyone called who is not in another call; the ring ends as missed after 45 s. */
  async invite(caller: Caller, call: CallRef & { media: CallMedia }): Promise<void> {
    const events = await this.calls.start(caller, call.conversationId, call.callId, call.media);
    if (!events.some((e) => e.type === 'CallEnded')) {
      this.ringing.set(
        call.callId,
        this.clock.setTimeout(() => {
          this.ringing.delete(call.callId);
          this.calls.ringTimeout(call.conversationId, call.callId).then(
            (ended) => this.publishAll(ended, []),
            (error) => this.logger.warn({ err: error, callId: call.callId }, 'ring timeout not recorded'),
          );
        }, RING_TIMEOUT_MS),
      );
    }
    await this.publishAll(events, []);
  }

  async accept(user: Caller, call: CallRef): Promise<void> {
    const { events, people } = await this.calls.answer(user.userId, user.deviceId, call.conversationId, call.callId);
    await this.publishAll(events, people);
  }

  /** Tells the caller and the decliner's other devices; a direct call declined also ends. */
  async decline(user: Caller, call: CallRef): Promise<void> {
    const { events, people } = await this.calls.decline(user.userId, call.conversationId, call.callId);
    await this.publishAll(events, people);
  }

  /** Hang-up, or cancel before anyone answered: the domain tells which from the call's state. */
  async hangUp(user: Caller, call: CallRef): Promise<void> {
    const { events, people } = await this.calls.hangUp(user.userId, call.conversationId, call.callId);
    await this.publishAll(events, people);
  }

  /**
   * Relays an SDP or ICE candidate to the device another person in the call takes it on. The
   * call is read from this process's cache, and again from its stream only when the cache does
   * not show both in it (an answer made on another process): most frames of a call cost no read.
   */
  async signal(from: Caller, call: CallRef, to: string, signal: CallSignal): Promise<void> {
    const devicesIn = async (refresh: boolean) => {
      const ongoing = await this.calls.ongoing(call.conversationId, call.callId, refresh);
      return ongoing ? devicesInCall(ongoing) : new Map<string, string>();
    };
    let devices = await devicesIn(false);
    if (devices.get(from.userId) !== from.deviceId || !devices.has(to)) devices = await devicesIn(true);
    if (devices.get(from.userId) !== from.deviceId) throw forbidden('not_in_call', 'this device is not in the call');
    const toDevice = devices.get(to);
    if (!toDevice) throw forbidden('not_in_call', 'that person is not in the call');
    await this.publish({ device: { userId: to, deviceId: toDevice }, frame: { type: 'call_signal', ...call, from: from.userId, ...signal } });
  }

  /**
   * Ends as missed the calls still ringing past their time: those whose ring timer died with
   * the process that placed them. Every query-api sweeps; the call's stream lets one end it.
   */
  private async endOverdueRings(): Promise<void> {
    const due = new Date(this.clock.now().getTime() - RING_TIMEOUT_MS);
    const rows: { call_id: string; conversation_id: string }[] = await this.db.query(
      `SELECT DISTINCT call_id, conversation_id FROM call_history WHERE status = 'ringing' AND started_at <= $1 LIMIT ${RING_SWEEP_BATCH}`,
      [due],
    );
    for (const row of rows) await this.publishAll(await this.calls.ringTimeout(row.conversation_id, row.call_id), []);
  }

  private async publishAll(events: CallEvent[], people: string[]): Promise<void> {
    for (const event of events) for (const envelope of framesOf(event, people)) await this.publish(envelope);
    for (const event of events) {
      if (event.type === 'CallAnswered' || event.type === 'CallEnded') {
        this.clock.clearTimeout(this.ringing.get(event.data.callId));
        this.ringing.delete(event.data.callId);
      }
    }
  }

  /** To this process's sockets at once, and to the other query-apis' through NOTIFY. */
  private async publish(envelope: Envelope): Promise<void> {
    this.deliver(envelope);
    const text = JSON.stringify(envelope);
    const id = randomUUID();
    const count = Math.ceil(text.length / PART_CHARS);
    for (let index = 0; index < count; index++) {
      const part: Part = { origin: this.origin, id, index, count, text: text.slice(index * PART_CHARS, (index + 1) * PART_CHARS) };
      await PgNotifications.notify(this.db, CHANNEL, JSON.stringify(part));
    }
  }

  private receivePart(part: Part): void {
    if (part.origin === this.origin) return;
    const parts = this.partial.get(part.id) ?? new Array<string>(part.count);
    parts[part.index] = part.text;
    if (parts.filter((p) => p !== undefined).length < part.count) {
      this.partial.set(part.id, parts);
      return;
    }
    this.partial.delete(part.id);
    this.deliver(JSON.parse(parts.join('')) as Envelope);
  }

  private deliver({ frame, users, device }: Envelope): void {
    const text = JSON.stringify(frame);
    if (device) this.sockets.sendToDevice(device.userId, device.deviceId, text);
    for (const userId of users ?? []) this.sockets.send(userId, text);
  }
}

/**
 * What each call event tells whom: an invite rings every device of those called (the caller's
 * devices hear `call_ringing`); an answer reaches every device of everyone called, so the
 * answering user's other devices stop ringing; the end reaches them all.
 */
function framesOf(event: CallEvent, people: string[]): Envelope[] {
  const { data } = event;
  const call = { callId: data.callId, conversationId: data.conversationId };
  switch (event.type) {
    case 'CallStarted': {
      const rung = event.data.invitees.filter((id) => !event.data.busy.includes(id));
      const { callerId, media } = event.data;
      return [
        ...(rung.length > 0 ? [{ users: rung, frame: { type: 'call_incoming', ...call, callerId, media, invitees: event.data.invitees } }] : []),
        ...(event.data.busy.length > 0 ? [{ users: [callerId], frame: { type: 'call_busy', ...call, userIds: event.data.busy } }] : []),
        ...(rung.length > 0 ? [{ users: [callerId], frame: { type: 'call_ringing', ...call, userIds: rung } }] : []),
      ];
    }
    case 'CallAnswered':
      return [{ users: people, frame: { type: 'call_accepted', ...call, userId: event.data.userId, deviceId: event.data.deviceId } }];
    case 'CallDeclined':
      return [{ users: people, frame: { type: 'call_declined', ...call, userId: event.data.userId } }];
    case 'CallLeft':
      return [{ users: people, frame: { type: 'call_left', ...call, userId: event.data.userId } }];
    case 'CallEnded': {
      const { reason, endedBy, durationSeconds, participants, audience } = event.data;
      return [{ users: audience, frame: { type: 'call_ended', ...call, reason, endedBy, durationSeconds, participants } }];
    }
  }
}
