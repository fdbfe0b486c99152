// The WebSocket half of the client: one device's feed, kept live across drops. It reconnects with
// the cursor of the last item it handed over (so nothing is missed and nothing repeated), and
// re-sends every send not yet answered with its same clientMsgId (so a retry appends nothing).
import type { SendRequest } from './api.js';
import { isAtOrBefore, isDurable, type CallCommand, type DurableFrame, type ErrorBody, type ReceiptKind, type SentFrame, type ServerFrame, type TypingState } from './frames.js';

/** What the client needs of a WebSocket: the browser's own and the `ws` package's both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: any) => void): void;
}

export type WebSocketFactory = (url: string) => WebSocketLike;

/** Where the cursor lives between connections (and page loads). */
export interface CursorStore {
  load(): string | null;
  save(cursor: string): void;
}

export const memoryCursor = (initial: string | null = null): CursorStore => {
  let cursor = initial;
  return { load: () => cursor, save: (next) => void (cursor = next) };
};

/**
 * `connecting` until the first pong; `live` from then on (every later item reaches it);
 * `offline` between a drop and the next connection; `stopped` for good: closed by `stop()`,
 * logged out (4401) or replaced by a newer socket of this device (4409).
 */
export type FeedStatus = 'connecting' | 'live' | 'offline' | 'stopped';

export interface FeedOptions {
  /** The socket's URL without query: `ws://localhost:3000/v1/ws`. */
  url: string;
  token: string;
  connect: WebSocketFactory;
  cursor?: CursorStore;
  /** Every frame except pong and the answers to sends (those settle `send`). */
  onFrame: (frame: ServerFrame) => void;
  onStatus?: (status: FeedStatus, closeCode?: number) => void;
  /** Waits before each reconnection attempt; the last repeats. */
  retryDelaysMs?: number[];
}

/** A send refused by the server (the `error` frame answering it). */
export class SendError extends Error {
  constructor(readonly clientMsgId: string, readonly error: ErrorBody) {
    super(error.message);
    this.name = 'SendError';
  }
}

/** The socket's address: `ws://host/v1/ws?token=…[&since=…]`. */
export function feedUrl(socketUrl: string, token: string, since?: string | null): string {
  return `${socketUrl}?token=${encodeURIComponent(token)}${since ? `&since=${encodeURIComponent(since)}` : ''}`;
}

const OPEN = 1;
const RECEIPT_BATCH_MS = 30;
export const CLOSE_LOGGED_OUT = 4401;
export const CLOSE_REPLACED = 4409;

interface PendingSend {
  request: SendRequest;
  resolve: (sent: SentFrame) => void;
  reject: (error: Error) => void;
}

export class FeedConnection {
  private socket: WebSocketLike | null = null;
  private state: FeedStatus = 'offline';
  private lastCursor: string | null;
  private readonly cursorStore: CursorStore;
  private readonly pending = new Map<string, PendingSend>();
  /** The highest watermark asked for per conversation and kind, until a live socket has carried it. */
  private readonly unsentReceipts = new Map<string, { conversationId: string; kind: ReceiptKind; upToSeq: number }>();
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private receiptTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly retryDelays: number[];

  constructor(private readonly options: FeedOptions) {
    this.cursorStore = options.cursor ?? memoryCursor();
    this.lastCursor = this.cursorStore.load();
    this.retryDelays = options.retryDelaysMs ?? [250, 500, 1000, 2000, 4000];
  }

  get status(): FeedStatus {
    return this.state;
  }

  /** The cursor of the last item handed to `onFrame` (or the live point of the first socket). */
  get cursor(): string | null {
    return this.lastCursor;
  }

  start(): void {
    if (this.socket || this.state === 'stopped') return;
    this.open();
  }

  stop(): void {
    this.setStatus('stopped');
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.receiptTimer) clearTimeout(this.receiptTimer);
    this.socket?.close(1000);
    this.socket = null;
    for (const { reject, request } of this.pending.values()) reject(new Error(`send ${request.clientMsgId} abandoned: the feed was stopped`));
    this.pending.clear();
  }

  /** Sends a message; resolves with its `sent` answer. Idempotent: a resend after a drop carries the same clientMsgId. */
  send(request: SendRequest): Promise<SentFrame> {
    const existing = this.pending.get(request.clientMsgId);
    if (existing) return new Promise((resolve, reject) => this.pending.set(request.clientMsgId, chain(existing, resolve, reject)));
    return new Promise((resolve, reject) => {
      this.pending.set(request.clientMsgId, { request, resolve, reject });
      if (this.state === 'live') this.write({ type: 'send', ...request });
    });
  }

  /**
   * Moves this user's watermark. Watermarks asked for within a few milliseconds go out as one
   * frame per conversation (a catch-up of a thousand messages acknowledges once); while offline
   * they wait for the socket to be live.
   */
  receipt(conversationId: string, kind: ReceiptKind, upToSeq: number): void {
    const key = `${kind}:${conversationId}`;
    const queued = this.unsentReceipts.get(key);
    if (queued && queued.upToSeq >= upToSeq) return;
    this.unsentReceipts.set(key, { conversationId, kind, upToSeq });
    this.receiptTimer ??= setTimeout(() => {
      this.receiptTimer = null;
      if (this.state === 'live') this.flushReceipts();
    }, RECEIPT_BATCH_MS);
  }

  /** Typing indicators are ephemeral: dropped while offline. */
  typing(conversationId: string, state: TypingState): void {
    if (this.state === 'live') this.write({ type: 'typing', conversationId, state });
  }

  /** Call frames are ephemeral too: answers false (not sent) while offline. */
  callFrame(frame: CallCommand): boolean {
    if (this.state !== 'live') return false;
    this.write(frame);
    return true;
  }

  private open(): void {
    const socket = this.options.connect(feedUrl(this.options.url, this.options.token, this.lastCursor));
    this.socket = socket;
    this.setStatus('connecting');
    socket.addEventListener('open', () => {
      if (this.socket === socket) socket.send('{"type":"ping"}');
    });
    socket.addEventListener('message', (event: { data: unknown }) => {
      if (this.socket === socket) this.receive(String(event.data));
    });
    socket.addEventListener('close', (event: { code: number }) => {
      if (this.socket === socket) this.dropped(event.code);
    });
    socket.addEventListener('error', () => {
      // a close event follows and decides
    });
  }

  private receive(text: string): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(text) as ServerFrame;
    } catch {
      return;
    }
    if (frame.type === 'pong') return this.wentLive(frame.cursor);
    if (frame.type === 'sent') return this.settle(frame.clientMsgId, (p) => p.resolve(frame));
    if (frame.type === 'error' && frame.clientMsgId && this.pending.has(frame.clientMsgId)) {
      return this.settle(frame.clientMsgId, (p) => p.reject(new SendError(frame.clientMsgId!, frame.error)));
    }
    if (isDurable(frame)) return this.deliver(frame);
    this.options.onFrame(frame);
  }

  private deliver(frame: DurableFrame): void {
    if (isAtOrBefore(frame.cursor, this.lastCursor)) return;
    this.options.onFrame(frame);
    this.lastCursor = frame.cursor;
    this.cursorStore.save(frame.cursor);
  }

  private wentLive(cursor: string): void {
    if (this.state === 'live') return;
    if (this.lastCursor === null) {
      // A new device: resuming from the live point misses nothing even before its first item.
      this.lastCursor = cursor;
      this.cursorStore.save(cursor);
    }
    this.failures = 0;
    this.setStatus('live');
    for (const { request } of this.pending.values()) this.write({ type: 'send', ...request });
    this.flushReceipts();
  }

  private flushReceipts(): void {
    for (const [key, receipt] of this.unsentReceipts) {
      this.write({ type: 'receipt', ...receipt });
      this.unsentReceipts.delete(key);
    }
  }

  private settle(clientMsgId: string, how: (pending: PendingSend) => void): void {
    const pending = this.pending.get(clientMsgId);
    if (!pending) return;
    this.pending.delete(clientMsgId);
    how(pending);
  }

  private dropped(code: number): void {
    this.socket = null;
    if (this.state === 'stopped') return;
    if (code === CLOSE_LOGGED_OUT || code === CLOSE_REPLACED) {
      this.stop();
      this.options.onStatus?.('stopped', code);
      return;
    }
    this.setStatus('offline', code);
    const delay = this.retryDelays[Math.min(this.failures++, this.retryDelays.length - 1)];
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.state !== 'stopped') this.open();
    }, delay);
  }

  private write(frame: object): void {
    if (this.socket?.readyState === OPEN) this.socket.send(JSON.stringify(frame));
  }

  private setStatus(status: FeedStatus, closeCode?: number): void {
    if (this.state === status) return;
    this.state = status;
    if (status !== 'stopped') this.options.onStatus?.(status, closeCode);
  }
}

/** A second `send` of a clientMsgId still pending settles with the first. */
function chain(first: PendingSend, resolve: (sent: SentFrame) => void, reject: (error: Error) => void): PendingSend {
  return {
    request: first.request,
    resolve: (sent) => (first.resolve(sent), resolve(sent)),
    reject: (error) => (first.reject(error), reject(error)),
  };
}
