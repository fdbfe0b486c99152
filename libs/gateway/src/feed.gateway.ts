import { BeforeApplicationShutdown, Inject, OnApplicationBootstrap, UseFilters } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { WebSocket } from 'ws';
import { AcknowledgeReceiptHandler } from '../../commands/src/acknowledge-receipt.handler.js';
import { SendMessageHandler } from '../../commands/src/send-message.handler.js';
import { Clock, CLOCK, streams, TimerHandle } from '../../domain/src/index.js';
import { EVENT_STORE, EventStore } from '../../event-store/src/event-store.port.js';
import { Metrics } from '../../platform/src/metrics.js';
import { RUNTIME } from '../../platform/src/platform.module.js';
import type { Runtime } from '../../platform/src/runtime.js';
import { ReceiptFrameDto } from '../../protocol/src/dto/receipt.dto.js';
import { SendMessageDto } from '../../protocol/src/dto/send-message.dto.js';
import { parseDto } from '../../protocol/src/validation.js';
import { DeviceRevocations } from '../../auth/src/device-revocations.js';
import { TypingFrameDto } from '../../protocol/src/dto/typing.dto.js';
import { DevicePresence, PresenceFact } from './device-presence.js';
import { FeedSession } from './feed-session.js';
import { errorFrame, ProtocolErrorFilter } from './protocol-error.filter.js';
import { EventLogTail } from './event-log-tail.js';
import { LocalSockets } from './local-sockets.js';
import { TypingRelay } from './typing-relay.js';
import { CallRelay } from './call-relay.js';
import { CallFrameDto, CallInviteDto, CallSignalDto } from '../../protocol/src/dto/call.dto.js';
import type { HandshakeRequest, SocketHandshake } from './protocol-ws-adapter.js';
import { isConnectionLoss } from '../../net/src/pg-errors.js';
import { PgNotifications } from '../../platform/src/pg-notifications.js';

interface ClientState extends SocketHandshake {
  session: FeedSession;
  openedAt: number;
  lastHeard: number;
}

type Frame = Record<string, unknown>;

/** Close code for a socket whose device was logged out. */
export const LOGGED_OUT_CLOSE_CODE = 4401;
/** Close code for a socket replaced by a newer socket of the same device (on any instance). */
export const REPLACED_CLOSE_CODE = 4409;
/** Close code (policy violation) for a socket beyond the per-user limit. */
export const TOO_MANY_SOCKETS_CLOSE_CODE = 1008;

/** Instances tell each other which device just opened a socket, so its older socket elsewhere is closed. */
const DEVICE_SOCKETS_CHANNEL = 'device_sockets';

interface DeviceSocketOpened {
  userId: string;
  deviceId: string;
  instanceId: string;
  openedAt: number;
}

/** The live feed at /v1/ws: pushes feed items and accepts send, receipt, typing and ping frames. */
@WebSocketGateway({ path: '/v1/ws' })
@UseFilters(ProtocolErrorFilter)
export class FeedGateway implements OnGatewayConnection, OnGatewayDisconnect, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly clients = new Map<WebSocket, ClientState>();
  private readonly presenceWrites = new Set<Promise<unknown>>();
  private readonly presence: DevicePresence;
  private readonly instanceId = randomUUID();
  private sweeper?: TimerHandle;

  constructor(
    @Inject(EventLogTail) private readonly tail: EventLogTail,
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(SendMessageHandler) private readonly sendMessage: SendMessageHandler,
    @Inject(AcknowledgeReceiptHandler) private readonly receipts: AcknowledgeReceiptHandler,
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(LocalSockets) private readonly sockets: LocalSockets,
    @Inject(TypingRelay) private readonly typingRelay: TypingRelay,
    @Inject(CallRelay) private readonly calls: CallRelay,
    @Inject(DeviceRevocations) private readonly revocations: DeviceRevocations,
    @Inject(PgNotifications) private readonly notifications: PgNotifications,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.presence = new DevicePresence((userId, fact) => this.recordPresence(userId, fact), runtime.config.PRESENCE_GRACE_MS, clock);
  }

  async onApplicationBootstrap() {
    this.revocations.onRevoked((deviceId) => this.sockets.closeDevice(deviceId, LOGGED_OUT_CLOSE_CODE, 'device logged out'));
    await this.notifications.listen(DEVICE_SOCKETS_CHANNEL, (payload) => {
      const { userId, deviceId, instanceId, openedAt } = JSON.parse(payload) as DeviceSocketOpened;
      if (instanceId !== this.instanceId) this.replaceSockets(userId, deviceId, openedAt);
    });
    const idleMs = this.runtime.config.SOCKET_IDLE_SECONDS * 1000;
    const sweepMs = Math.min(5_000, idleMs / 4);
    // One sweep for all sockets instead of a timer each. A socket silent for a while is sent a
    // WebSocket ping, which every client library answers by itself; one that answers nothing,
    // not even that, for the idle limit is closed.
    this.sweeper = this.clock.setInterval(() => {
      const now = this.clock.now().getTime();
      for (const [socket, state] of this.clients) {
        const silentMs = now - state.lastHeard;
        if (silentMs > idleMs) socket.close(1001, 'idle');
        else if (silentMs >= idleMs / 2 - sweepMs) socket.ping();
      }
    }, sweepMs);
  }

  /**
   * Before the WebSocket server is disposed (which would drop the sockets, 1006): closes every
   * socket with 1001 and records its disconnect before the event store closes, so last seen stays right.
   */
  async beforeApplicationShutdown() {
    this.clock.clearInterval(this.sweeper);
    this.typingRelay.stop();
    await this.calls.stop();
    for (const socket of [...this.clients.keys()]) {
      this.handleDisconnect(socket);
      socket.close(1001, 'server shutting down');
    }
    this.presence.flush();
    await Promise.allSettled([...this.presenceWrites]);
  }

  handleConnection(socket: WebSocket, request: HandshakeRequest) {
    const handshake = request.handshake!;
    const { userId, deviceId } = handshake.principal;
    if (this.sockets.countOtherDevices(userId, deviceId) >= this.runtime.config.MAX_SOCKETS_PER_USER) {
      socket.close(TOO_MANY_SOCKETS_CLOSE_CODE, 'too many connections for this user');
      return;
    }
    // One socket per device: a new one replaces the older, here and on every other instance.
    const openedAt = this.clock.now().getTime();
    this.replaceSockets(userId, deviceId, openedAt);
    const opened: DeviceSocketOpened = { userId, deviceId, instanceId: this.instanceId, openedAt };
    void PgNotifications.notify(this.db, DEVICE_SOCKETS_CHANNEL, JSON.stringify(opened)).catch(() => undefined);
    const session = new FeedSession(this.db, this.events, this.tail, userId, handshake.since, (frame) => {
      if (socket.readyState !== socket.OPEN) return;
      socket.send(frame);
      this.metrics.feedFramesSent.inc();
    }, this.runtime.dataKeys);
    this.clients.set(socket, { ...handshake, session, openedAt, lastHeard: openedAt });
    this.sockets.add(userId, deviceId, socket);
    const heard = () => {
      const state = this.clients.get(socket);
      if (state) state.lastHeard = this.clock.now().getTime();
    };
    socket.on('message', heard);
    socket.on('pong', heard);
    this.metrics.openSockets.inc();
    session.done.catch((error) => {
      if (isConnectionLoss(error)) return socket.close(1013, 'try again later');
      this.runtime.logger.warn({ err: error, userId }, 'feed catch-up failed; closing socket');
      socket.close(1011, 'catch-up failed');
    });
    this.presence.opened(userId, deviceId);
  }

  handleDisconnect(socket: WebSocket) {
    const state = this.clients.get(socket);
    if (!state) return;
    this.clients.delete(socket);
    this.sockets.remove(state.principal.userId, socket);
    state.session.unsubscribe();
    this.metrics.openSockets.dec();
    this.presence.closed(state.principal.deviceId);
  }

  /** The pong promises that everything appended from now on reaches this socket, so it waits for the session's start. */
  @SubscribeMessage('ping')
  async ping(@ConnectedSocket() socket: WebSocket) {
    const session = this.clients.get(socket)?.session;
    await session?.ready.catch(() => undefined);
    return { type: 'pong', serverTime: this.clock.now().toISOString(), cursor: session?.cursor ?? null };
  }

  @SubscribeMessage('send')
  async send(@ConnectedSocket() socket: WebSocket, @MessageBody() frame: Frame) {
    try {
      const input = parseDto(SendMessageDto, frame);
      const { duplicate: _duplicate, ...sent } = await this.sendMessage.send(this.principalOf(socket), input);
      return { type: 'sent', clientMsgId: input.clientMsgId, ...sent };
    } catch (error) {
      return errorFrame(error, frame.clientMsgId);
    }
  }

  @SubscribeMessage('receipt')
  async receipt(@ConnectedSocket() socket: WebSocket, @MessageBody() frame: Frame) {
    try {
      const input = parseDto(ReceiptFrameDto, frame);
      await this.receipts.acknowledge(this.principalOf(socket).userId, input.conversationId, input.kind, input.upToSeq);
      return undefined;
    } catch (error) {
      return errorFrame(error);
    }
  }

  @SubscribeMessage('typing')
  async typing(@ConnectedSocket() socket: WebSocket, @MessageBody() frame: Frame) {
    try {
      const input = parseDto(TypingFrameDto, frame);
      const { userId, deviceId } = this.principalOf(socket);
      await this.typingRelay.receive(deviceId, { conversationId: input.conversationId, userId, state: input.state });
      return undefined;
    } catch (error) {
      return errorFrame(error);
    }
  }

  @SubscribeMessage('call_invite')
  callInvite(@ConnectedSocket() socket: WebSocket, @MessageBody() frame: Frame) {
    return this.onCall(frame, CallInviteDto, (input) => this.calls.invite(this.principalOf(socket), input));
  }

  @SubscribeMessage('call_accept')
  callAccept(@ConnectedSocket() socket: WebSocket, @MessageBody() frame: Frame) {
    return this.onCall(frame, CallFrameDto, (input) => this.calls.accept(this.principalOf(socket), input));
  }

  @SubscribeMessage('call_decline')
  callDecline(@ConnectedSocket() socket: WebSocket, @MessageBody() frame: Frame) {
    return this.onCall(frame, CallFrameDto, (input) => this.calls.decline(this.principalOf(socket), input));
  }

  /** `call_cancel` (the caller, before an answer) and `call_hangup` are one act: the call's state tells which it is. */
  @SubscribeMessage('call_cancel')
  callCancel(@ConnectedSocket() socket: WebSocket, @MessageBody() frame: Frame) {
    return this.callHangUp(socket, frame);
  }

  @SubscribeMessage('call_hangup')
  callHangUp(@ConnectedSocket() socket: WebSocket, @MessageBody() frame: Frame) {
    return this.onCall(frame, CallFrameDto, (input) => this.calls.hangUp(this.principalOf(socket), input));
  }

  @SubscribeMessage('call_signal')
  callSignal(@ConnectedSocket() socket: WebSocket, @MessageBody() frame: Frame) {
    return this.onCall(frame, CallSignalDto, ({ callId, conversationId, to, ...signal }) => this.calls.signal(this.principalOf(socket), { callId, conversationId }, to, signal));
  }

  /** A call frame's errors name the call, so the client knows which call was refused. */
  private async onCall<T extends CallFrameDto>(frame: Frame, dto: new () => T, run: (input: T) => Promise<void>) {
    try {
      await run(parseDto(dto, frame));
      return undefined;
    } catch (error) {
      return { ...errorFrame(error), ...(typeof frame.callId === 'string' ? { callId: frame.callId } : {}) };
    }
  }

  @SubscribeMessage('invalid')
  invalid(@MessageBody() problem: { code: string; message: string; frame?: Frame }) {
    return { type: 'error', ...(typeof problem.frame?.clientMsgId === 'string' ? { clientMsgId: problem.frame.clientMsgId } : {}), error: { code: problem.code, message: problem.message, details: null } };
  }

  /** Closes this device's sockets here that opened before `openedAt` (a late notification never closes a newer one). */
  private replaceSockets(userId: string, deviceId: string, openedAt: number) {
    for (const socket of this.sockets.ofDevice(userId, deviceId)) {
      if ((this.clients.get(socket)?.openedAt ?? 0) <= openedAt) socket.close(REPLACED_CLOSE_CODE, 'replaced by a newer connection of this device');
    }
  }

  private principalOf(socket: WebSocket) {
    return this.clients.get(socket)!.principal;
  }

  private recordPresence(userId: string, event: PresenceFact) {
    const write = this.events
      .append(streams.presence(userId), [event], 'any')
      .catch((error) =>
        isConnectionLoss(error)
          ? this.runtime.logger.debug({ userId }, 'presence change not recorded: the database is gone')
          : this.runtime.logger.warn({ err: error, userId }, 'could not record presence change'),
      )
      .finally(() => this.presenceWrites.delete(write));
    this.presenceWrites.add(write);
  }
}
