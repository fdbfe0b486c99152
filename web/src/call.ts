// One call at a time on this device: the signalling frames in, WebRTC peer connections out (a
// mesh: one connection per other person in the call), and the call history.
import { useSyncExternalStore } from 'react';
import type { CallCommand, CallFrame, CallHistoryItem, CallMedia, CallSignal, MessengerApi } from '../../libs/client/src/index.js';

export interface CurrentCall {
  callId: string;
  conversationId: string;
  callerId: string;
  media: CallMedia;
  /** incoming: ringing here; calling: waiting for an answer; connecting / active: in the call. */
  status: 'incoming' | 'calling' | 'connecting' | 'active';
  muted: boolean;
  cameraOff: boolean;
  local: MediaStream | null;
  remote: Record<string, MediaStream>;
}

export interface CallsState {
  call: CurrentCall | null;
  history: CallHistoryItem[];
  /** How the last call on this device ended (shown until the next one). */
  ended: string | null;
}

const newCallId = () => crypto.randomUUID().replace(/-/g, '');

export class CallController {
  private state: CallsState = { call: null, history: [], ended: null };
  /** Calls this tab has seen end (call ids are never reused). */
  private readonly endedCalls = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private readonly peers = new Map<string, RTCPeerConnection>();
  /** ICE candidates that came before the offer or answer they belong to. */
  private readonly early = new Map<string, RTCIceCandidateInit[]>();
  private iceServers: RTCIceServer[] = [];

  constructor(
    private readonly me: { userId: string; deviceId: string },
    private readonly api: MessengerApi,
    private readonly send: (frame: CallCommand) => boolean,
    private readonly notify: (text: string) => void,
  ) {
    // The browser test reads the peer connections' stats from here (also handy in the console).
    (globalThis as { messengerCallPeers?: Map<string, RTCPeerConnection> }).messengerCallPeers = this.peers;
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
  snapshot = () => this.state;

  private set(change: Partial<CallsState>) {
    this.state = { ...this.state, ...change };
    for (const listener of this.listeners) listener();
  }

  private setCall(change: Partial<CurrentCall>) {
    if (this.state.call) this.set({ call: { ...this.state.call, ...change } });
  }

  async loadHistory(): Promise<void> {
    this.set({ history: await this.api.callHistory().catch(() => this.state.history) });
  }

  async start(conversationId: string, media: CallMedia): Promise<void> {
    if (this.state.call) return;
    const callId = newCallId();
    this.set({ call: { callId, conversationId, callerId: this.me.userId, media, status: 'calling', muted: false, cameraOff: false, local: null, remote: {} }, ended: null });
    try {
      await this.prepare(media);
    } catch (error) {
      this.cleanUp(`Could not use the ${media === 'video' ? 'camera' : 'microphone'}: ${(error as Error).message}`);
      return;
    }
    if (!this.send({ type: 'call_invite', callId, conversationId, media })) this.cleanUp('You are offline.');
  }

  async accept(): Promise<void> {
    const call = this.state.call;
    if (call?.status !== 'incoming') return;
    this.setCall({ status: 'connecting' });
    try {
      await this.prepare(call.media);
    } catch (error) {
      this.send({ type: 'call_decline', callId: call.callId, conversationId: call.conversationId });
      this.cleanUp(`Could not use the ${call.media === 'video' ? 'camera' : 'microphone'}: ${(error as Error).message}`);
      return;
    }
    this.send({ type: 'call_accept', callId: call.callId, conversationId: call.conversationId });
  }

  decline(): void {
    const call = this.state.call;
    if (call?.status !== 'incoming') return;
    this.send({ type: 'call_decline', callId: call.callId, conversationId: call.conversationId });
    this.cleanUp(null);
  }

  hangUp(): void {
    const call = this.state.call;
    if (!call) return;
    this.send({ type: 'call_hangup', callId: call.callId, conversationId: call.conversationId });
    this.cleanUp(null);
  }

  toggleMute(): void {
    const call = this.state.call;
    if (!call?.local) return;
    for (const track of call.local.getAudioTracks()) track.enabled = call.muted;
    this.setCall({ muted: !call.muted });
  }

  toggleCamera(): void {
    const call = this.state.call;
    if (!call?.local) return;
    for (const track of call.local.getVideoTracks()) track.enabled = call.cameraOff;
    this.setCall({ cameraOff: !call.cameraOff });
  }

  onError(callId: string, message: string): void {
    if (this.state.call?.callId === callId) this.cleanUp(message);
  }

  onFrame(frame: CallFrame): void {
    const call = this.state.call;
    // A call's frames may come from two server processes out of order: an end seen first wins.
    if (frame.type === 'call_ended') this.endedCalls.add(frame.callId);
    if (frame.type === 'call_incoming') {
      // Already in a call here: the server answers busy to calls while one is answered; a second ring is left alone.
      if (call || this.endedCalls.has(frame.callId)) return;
      const { callId, conversationId, callerId, media } = frame;
      this.set({ call: { callId, conversationId, callerId, media, status: 'incoming', muted: false, cameraOff: false, local: null, remote: {} }, ended: null });
      return;
    }
    if (!call || frame.callId !== call.callId) return;
    switch (frame.type) {
      case 'call_accepted':
        if (frame.userId === this.me.userId) {
          // Another of my devices took it: this one stops ringing.
          if (frame.deviceId !== this.me.deviceId) this.cleanUp(null);
        } else if (call.status !== 'incoming') {
          // Whoever was in the call first offers to whoever joins (a mesh, one connection per pair).
          void this.offerTo(frame.userId);
        }
        return;
      case 'call_declined':
        if (frame.userId === this.me.userId && call.status === 'incoming') this.cleanUp(null);
        return;
      case 'call_left':
        this.peers.get(frame.userId)?.close();
        this.peers.delete(frame.userId);
        return this.setCall({ remote: Object.fromEntries(Object.entries(call.remote).filter(([userId]) => userId !== frame.userId)) });
      case 'call_signal':
        return void this.onSignal(frame.from, frame);
      case 'call_ended':
        return this.cleanUp(null, frame.reason);
      default:
    }
  }

  /** The media and the ICE servers a call needs, asked for before ringing or answering. */
  private async prepare(media: CallMedia): Promise<void> {
    const [local, ice] = await Promise.all([
      navigator.mediaDevices.getUserMedia({ audio: true, video: media === 'video' }),
      this.api.iceServers().catch(() => ({ iceServers: [] })),
    ]);
    this.iceServers = ice.iceServers;
    if (this.state.call) this.setCall({ local });
    else for (const track of local.getTracks()) track.stop();
  }

  private peer(userId: string): RTCPeerConnection {
    const existing = this.peers.get(userId);
    if (existing) return existing;
    const call = this.state.call!;
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    for (const track of call.local?.getTracks() ?? []) pc.addTrack(track, call.local!);
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) this.signal(userId, { kind: 'ice', candidate: candidate.candidate, sdpMid: candidate.sdpMid ?? undefined, sdpMLineIndex: candidate.sdpMLineIndex ?? undefined });
    };
    pc.ontrack = ({ streams }) => {
      const current = this.state.call;
      if (current && streams[0]) this.setCall({ remote: { ...current.remote, [userId]: streams[0] } });
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'connected') this.setCall({ status: 'active' });
    };
    this.peers.set(userId, pc);
    return pc;
  }

  private signal(to: string, signal: CallSignal): void {
    const call = this.state.call;
    if (call) this.send({ type: 'call_signal', callId: call.callId, conversationId: call.conversationId, to, ...signal });
  }

  private async offerTo(userId: string): Promise<void> {
    this.setCall({ status: 'connecting' });
    const pc = this.peer(userId);
    await pc.setLocalDescription(await pc.createOffer());
    this.signal(userId, { kind: 'offer', sdp: pc.localDescription!.sdp });
  }

  private async onSignal(from: string, signal: CallSignal): Promise<void> {
    const pc = this.peer(from);
    if (signal.kind === 'ice') {
      const candidate = { candidate: signal.candidate, sdpMid: signal.sdpMid, sdpMLineIndex: signal.sdpMLineIndex };
      if (pc.remoteDescription) await pc.addIceCandidate(candidate);
      else this.early.set(from, [...(this.early.get(from) ?? []), candidate]);
      return;
    }
    await pc.setRemoteDescription({ type: signal.kind, sdp: signal.sdp });
    for (const candidate of this.early.get(from) ?? []) await pc.addIceCandidate(candidate);
    this.early.delete(from);
    if (signal.kind === 'offer') {
      await pc.setLocalDescription(await pc.createAnswer());
      this.signal(from, { kind: 'answer', sdp: pc.localDescription!.sdp });
    }
  }

  private cleanUp(problem: string | null, reason?: string): void {
    for (const pc of this.peers.values()) pc.close();
    this.peers.clear();
    this.early.clear();
    for (const track of this.state.call?.local?.getTracks() ?? []) track.stop();
    this.set({ call: null, ended: reason ?? null });
    if (problem) this.notify(problem);
  }
}

export const useCalls = (calls: CallController) => useSyncExternalStore(calls.subscribe, calls.snapshot);
