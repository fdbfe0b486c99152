// The feed's reconnect, cursor and idempotency logic, against a scripted socket. The same code is
// exercised against the real server in test/integration/client-library.spec.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FeedConnection, memoryCursor, SendError, type FeedStatus, type WebSocketLike } from '../src/feed.js';
import type { ServerFrame } from '../src/frames.js';
import type { SendRequest } from '../src/api.js';

/** A socket the test plays the server of: it sees what the client writes and says what the server answers. */
class ScriptedSocket implements WebSocketLike {
  readyState = 0;
  readonly written: any[] = [];
  private listeners = new Map<string, ((event: any) => void)[]>();
  constructor(readonly url: string) {}
  addEventListener(type: string, listener: (event: any) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  send(data: string) {
    this.written.push(JSON.parse(data));
  }
  close(code = 1000) {
    this.drop(code);
  }
  open() {
    this.readyState = 1;
    this.emit('open', {});
  }
  frame(frame: object) {
    this.emit('message', { data: JSON.stringify(frame) });
  }
  drop(code = 1006) {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.emit('close', { code, reason: '' });
  }
  /** Opens and answers the client's ping: the socket is live. */
  goLive(cursor: string) {
    this.open();
    expect(this.written.at(-1)).toEqual({ type: 'ping' });
    this.frame({ type: 'pong', serverTime: new Date().toISOString(), cursor });
  }
  private emit(type: string, event: object) {
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }
}

const text = (clientMsgId: string): SendRequest => ({ clientMsgId, to: { userId: 'u2' }, kind: 'text', body: clientMsgId });
const messageFrame = (cursor: string, seq: number) => ({
  type: 'message',
  cursor,
  message: { messageId: `m${seq}`, conversationId: 'c1', seq, senderId: 'u2', kind: 'text', body: `#${seq}` },
});

describe('FeedConnection', () => {
  let sockets: ScriptedSocket[];
  let frames: ServerFrame[];
  let statuses: FeedStatus[];
  const connect = (url: string) => {
    const socket = new ScriptedSocket(url);
    sockets.push(socket);
    return socket;
  };
  const feed = (cursor = memoryCursor()) =>
    new FeedConnection({ url: 'ws://server/v1/ws', token: 't', connect, cursor, onFrame: (f) => frames.push(f), onStatus: (s) => statuses.push(s), retryDelaysMs: [100, 1000] });
  const latest = () => sockets.at(-1)!;

  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
    frames = [];
    statuses = [];
  });
  afterEach(() => vi.useRealTimers());

  it('reconnects after a drop with the cursor of the last item it handed over, and hands none over twice', () => {
    const stored = memoryCursor();
    const connection = feed(stored);
    connection.start();
    expect(latest().url).toBe('ws://server/v1/ws?token=t');
    latest().goLive('10');
    latest().frame(messageFrame('11', 1));
    latest().frame(messageFrame('12', 2));
    latest().drop();
    expect(connection.status).toBe('offline');

    vi.advanceTimersByTime(100);
    expect(latest().url).toBe('ws://server/v1/ws?token=t&since=12');
    latest().open();
    // a server that repeats an item the client already has: it is dropped
    latest().frame(messageFrame('12', 2));
    latest().frame(messageFrame('13', 3));
    latest().frame({ type: 'pong', serverTime: '', cursor: '13' });

    expect(frames.map((f) => (f as any).message.seq)).toEqual([1, 2, 3]);
    expect(stored.load()).toBe('13');
    expect(statuses).toEqual(['connecting', 'live', 'offline', 'connecting', 'live']);
  });

  it('a new device that drops before its first item resumes from the live point its pong gave', () => {
    const connection = feed();
    connection.start();
    latest().goLive('42');
    latest().drop();
    vi.advanceTimersByTime(100);
    expect(latest().url).toContain('&since=42');
    expect(connection.cursor).toBe('42');
  });

  it('starts from a stored cursor (a page reload)', () => {
    feed(memoryCursor('7')).start();
    expect(latest().url).toBe('ws://server/v1/ws?token=t&since=7');
  });

  it('waits longer after each failed attempt, and starts over once live', () => {
    feed().start();
    latest().drop();
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(2);
    latest().drop();
    vi.advanceTimersByTime(999);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);
    latest().goLive('1');
    latest().drop();
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(4);
  });

  it('sends queued while offline go out once live; one in flight at a drop is re-sent with the same clientMsgId and settles once', async () => {
    const connection = feed();
    const early = connection.send(text('a'));
    connection.start();
    latest().goLive('1');
    const inFlight = connection.send(text('b'));
    expect(latest().written.filter((f) => f.type === 'send').map((f) => f.clientMsgId)).toEqual(['a', 'b']);
    latest().frame({ type: 'sent', clientMsgId: 'a', messageId: 'm1', conversationId: 'c1', seq: 1, sentAt: '' });
    latest().drop();

    vi.advanceTimersByTime(100);
    latest().goLive('2');
    expect(latest().written.filter((f) => f.type === 'send').map((f) => f.clientMsgId)).toEqual(['b']);
    latest().frame({ type: 'sent', clientMsgId: 'b', messageId: 'm2', conversationId: 'c1', seq: 2, sentAt: '' });
    latest().frame({ type: 'sent', clientMsgId: 'b', messageId: 'm2', conversationId: 'c1', seq: 2, sentAt: '' });

    await expect(early).resolves.toMatchObject({ messageId: 'm1' });
    await expect(inFlight).resolves.toMatchObject({ messageId: 'm2' });
    expect(frames).toEqual([]);
  });

  it('sending a clientMsgId that is still pending writes it once and settles both callers', async () => {
    const connection = feed();
    connection.start();
    latest().goLive('1');
    const first = connection.send(text('a'));
    const again = connection.send(text('a'));
    latest().frame({ type: 'sent', clientMsgId: 'a', messageId: 'm1', conversationId: 'c1', seq: 1, sentAt: '' });
    await expect(Promise.all([first, again])).resolves.toHaveLength(2);
    expect(latest().written.filter((f) => f.type === 'send')).toHaveLength(1);
  });

  it('rejects a send the server refuses, and passes other errors on as frames', async () => {
    const connection = feed();
    connection.start();
    latest().goLive('1');
    const refused = connection.send(text('a'));
    latest().frame({ type: 'error', clientMsgId: 'a', error: { code: 'blocked', message: 'you cannot message this user', details: null } });
    latest().frame({ type: 'error', error: { code: 'typing_rate_limited', message: 'slow down', details: null } });
    await expect(refused).rejects.toBeInstanceOf(SendError);
    await expect(refused).rejects.toMatchObject({ error: { code: 'blocked' } });
    expect(frames).toEqual([{ type: 'error', error: { code: 'typing_rate_limited', message: 'slow down', details: null } }]);
  });

  it('keeps the highest receipt asked for while offline and sends it once live; typing is dropped offline', () => {
    const connection = feed();
    connection.start();
    connection.receipt('c1', 'read', 3);
    connection.receipt('c1', 'read', 5);
    connection.receipt('c1', 'read', 4);
    connection.typing('c1', 'typing');
    latest().goLive('1');
    expect(latest().written.filter((f) => f.type !== 'ping')).toEqual([{ type: 'receipt', conversationId: 'c1', kind: 'read', upToSeq: 5 }]);
  });

  it('sends the receipts of a burst as one frame per conversation and kind', () => {
    const connection = feed();
    connection.start();
    latest().goLive('1');
    for (let seq = 1; seq <= 100; seq++) connection.receipt('c1', 'delivered', seq);
    connection.receipt('c2', 'read', 7);
    expect(latest().written.filter((f) => f.type === 'receipt')).toEqual([]);
    vi.advanceTimersByTime(30);
    expect(latest().written.filter((f) => f.type === 'receipt')).toEqual([
      { type: 'receipt', conversationId: 'c1', kind: 'delivered', upToSeq: 100 },
      { type: 'receipt', conversationId: 'c2', kind: 'read', upToSeq: 7 },
    ]);
  });

  it('stops for good when the device is logged out (4401) or replaced (4409)', () => {
    for (const code of [4401, 4409]) {
      sockets = [];
      statuses = [];
      const connection = feed();
      connection.start();
      latest().goLive('1');
      latest().drop(code);
      vi.advanceTimersByTime(10_000);
      expect(sockets).toHaveLength(1);
      expect(connection.status).toBe('stopped');
      expect(statuses.at(-1)).toBe('stopped');
    }
  });
});
