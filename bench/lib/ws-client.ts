// One device's WebSocket to /v1/ws, kept lean: no compression, one JSON.parse per frame.
import WebSocket from 'ws';
import { feedUrl } from '../../libs/client/src/feed.js';

export interface Frame {
  type: string;
  cursor?: string;
  [key: string]: unknown;
}

export interface MessageShape {
  messageId: string;
  conversationId: string;
  seq: number;
  senderId: string;
  kind: string;
  body: string | null;
  [key: string]: unknown;
}

export interface ConnectOptions {
  since?: string | null;
  localAddress?: string;
  timeoutMs?: number;
  /** Installed before the first frame can arrive (a replay may start right after the handshake). */
  onFrame?: (frame: Frame) => void;
}

export class DeviceSocket {
  /** Cursor of the last frame that carried one (what a real client stores for reconnecting). */
  lastCursor: string | null = null;
  /** Called for every frame except `pong`. */
  onFrame: (frame: Frame) => void = () => {};
  /** Called once if the socket closes without close() having been called. */
  onUnexpectedClose: (code: number, reason: string) => void = () => {};
  /** Frames that were not JSON objects with a string `type`. */
  badFrames = 0;
  closedByUs = false;
  closeCode: number | null = null;
  /** performance.now() of the last frame this client sent (the server closes sockets silent for 60 s). */
  lastSentAt = performance.now();
  private pongWaiters: Array<(serverTime: unknown) => void> = [];

  private constructor(readonly ws: WebSocket, onFrame?: (frame: Frame) => void) {
    if (onFrame) this.onFrame = onFrame;
    ws.on('message', (data, isBinary) => {
      let frame: Frame;
      try {
        frame = JSON.parse(isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString());
      } catch {
        this.badFrames++;
        return;
      }
      if (!frame || typeof frame.type !== 'string') {
        this.badFrames++;
        return;
      }
      if (frame.type === 'pong') {
        this.pongWaiters.shift()?.(frame.serverTime);
        return;
      }
      if (typeof frame.cursor === 'string') this.lastCursor = frame.cursor;
      this.onFrame(frame);
    });
    ws.on('close', (code, reason) => {
      heartbeats.delete(this);
      this.closeCode = code;
      if (!this.closedByUs) this.onUnexpectedClose(code, reason.toString());
    });
    ws.on('error', () => {}); // reported through close
  }

  static connect(wsBase: string, token: string, opts: ConnectOptions = {}): Promise<DeviceSocket> {
    const url = feedUrl(`${wsBase}/v1/ws`, token, opts.since);
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        perMessageDeflate: false,
        handshakeTimeout: opts.timeoutMs ?? 15_000,
        localAddress: opts.localAddress,
        maxPayload: 1024 * 1024,
      });
      const onError = (err: Error) => {
        ws.removeListener('open', onOpen);
        reject(new Error(`WebSocket connect failed: ${err.message}`));
      };
      const onOpen = () => {
        ws.removeListener('error', onError);
        resolve(new DeviceSocket(ws, opts.onFrame));
      };
      ws.once('error', onError);
      ws.once('open', onOpen);
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(frame: object): void {
    this.sendRaw(JSON.stringify(frame));
  }

  sendRaw(text: string): void {
    this.lastSentAt = performance.now();
    this.ws.send(text);
  }

  /** Sends a ping and resolves with the round-trip time once the pong arrives (the socket is then live). */
  ping(timeoutMs = 15_000): Promise<number> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.pongWaiters.indexOf(waiter);
        if (i >= 0) this.pongWaiters.splice(i, 1);
        reject(new Error(`no pong within ${timeoutMs}ms`));
      }, timeoutMs);
      const waiter = () => {
        clearTimeout(timer);
        resolve(performance.now() - started);
      };
      this.pongWaiters.push(waiter);
      try {
        this.sendRaw('{"type":"ping"}');
      } catch (err) {
        clearTimeout(timer);
        reject(err as Error);
      }
    });
  }

  close(): Promise<void> {
    this.closedByUs = true;
    heartbeats.delete(this);
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, 5000);
      this.ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.ws.close(1000);
    });
  }
}

/** Connects and waits for the first pong, so every item appended afterwards reaches the socket. */
export async function connectLive(wsBase: string, token: string, opts: ConnectOptions = {}): Promise<DeviceSocket> {
  const s = await DeviceSocket.connect(wsBase, token, opts);
  try {
    await s.ping(opts.timeoutMs ?? 15_000);
  } catch (err) {
    await s.close();
    throw err;
  }
  keepAlive(s);
  return s;
}

// Heartbeat, as a real app does: the protocol closes a socket that has been silent for 60 s.
// One timer per process pings every socket that has sent nothing for HEARTBEAT_MS.
const HEARTBEAT_MS = 25_000;
const heartbeats = new Set<DeviceSocket>();
let heartbeatTimer: NodeJS.Timeout | null = null;

export function keepAlive(s: DeviceSocket): void {
  heartbeats.add(s);
  heartbeatTimer ??= setInterval(() => {
    const stale = performance.now() - HEARTBEAT_MS;
    for (const h of heartbeats) if (h.open && h.lastSentAt < stale) h.ping(30_000).catch(() => {});
  }, 1000).unref();
}
