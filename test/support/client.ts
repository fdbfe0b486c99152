import { randomInt } from 'node:crypto';
import WebSocket from 'ws';
import { feedUrl } from '../../libs/client/src/feed.js';
import { HttpClient, type RawResponse } from '../../libs/client/src/http.js';

export type HttpResult<T = any> = RawResponse<T>;

/** A plain HTTP client speaking the protocol, as any third-party client would: the client library's request, every status returned as it is. */
export class Api {
  private readonly http: HttpClient;

  constructor(readonly baseUrl: string) {
    this.http = new HttpClient(baseUrl);
  }

  request<T = any>(method: string, path: string, body?: unknown, token?: string, rawBody?: string): Promise<HttpResult<T>> {
    return this.http.raw<T>(method, path, body, { token, rawBody });
  }

  post<T = any>(path: string, body: unknown, token?: string) {
    return this.request<T>('POST', path, body, token);
  }

  get<T = any>(path: string, token?: string) {
    return this.request<T>('GET', path, undefined, token);
  }
}

let nextPhone = randomInt(0, 9000);
/** Distinct valid US numbers (+1 415 555 xxxx), as libphonenumber judges them. */
export function uniquePhone(): string {
  nextPhone = (nextPhone + 1) % 10_000;
  return `+1415555${String(nextPhone).padStart(4, '0')}`;
}

export interface TestUser {
  userId: string;
  deviceId: string;
  token: string;
  phone: string;
}

export async function registerUser(api: Api, phone = uniquePhone(), deviceName = 'test device'): Promise<TestUser> {
  const requested = await api.post('/v1/auth/request-code', { phone });
  if (requested.status !== 202) throw new Error(`request-code answered ${requested.status}: ${JSON.stringify(requested.body)}`);
  const verified = await api.post('/v1/auth/verify', { phone, code: requested.body.devCode, deviceName });
  if (verified.status !== 200) throw new Error(`verify answered ${verified.status}: ${JSON.stringify(verified.body)}`);
  return { ...verified.body, phone };
}

export async function sendText(api: Api, from: TestUser, to: TestUser, body: string, clientMsgId = `c-${randomInt(1e12)}`) {
  const result = await api.post('/v1/messages', { clientMsgId, to: { userId: to.userId }, kind: 'text', body }, from.token);
  if (result.status !== 201) throw new Error(`send answered ${result.status}: ${JSON.stringify(result.body)}`);
  return result.body as { messageId: string; conversationId: string; seq: number; sentAt: string };
}

/**
 * Sends a message from `from` to `to` and waits until `socket` (of `to`) has it: every feed item
 * appended before it has arrived too. Returns its index among the socket's frames.
 */
export async function marker(api: Api, from: TestUser, to: TestUser, socket: FeedClient): Promise<number> {
  const body = `marker-${randomInt(1e12)}`;
  await sendText(api, from, to, body);
  await socket.waitFor(() => socket.ofType('message').some((f) => f.message.body === body));
  return socket.frames.findIndex((f) => f.type === 'message' && f.message.body === body);
}

/** Retries a read until it satisfies `done` (read models follow the log asynchronously). */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One device's socket: records every frame and lets a test wait for the ones it expects. */
export class FeedClient {
  readonly frames: any[] = [];
  /** Every frame's text as it arrived. */
  readonly raw: string[] = [];
  /** WebSocket ping control frames received from the server. */
  pings = 0;
  private waiters: (() => void)[] = [];
  closed?: { code: number; reason: string };

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.raw.push(String(data));
      this.frames.push(JSON.parse(String(data)));
      this.notify();
    });
    socket.on('ping', () => {
      this.pings++;
      this.notify();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.notify();
    });
  }

  /** Opens the socket and waits for the pong of a first ping: from then on the socket is live. */
  static async connect(wsUrl: string, token: string, since?: string, options: WebSocket.ClientOptions = {}): Promise<FeedClient> {
    const socket = new WebSocket(feedUrl(wsUrl, token, since), options);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const client = new FeedClient(socket);
    await client.ping();
    return client;
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  async ping(): Promise<void> {
    const before = this.frames.filter((f) => f.type === 'pong').length;
    this.send({ type: 'ping' });
    await this.waitFor(() => this.frames.filter((f) => f.type === 'pong').length > before);
  }

  ofType(type: string): any[] {
    return this.frames.filter((f) => f.type === type);
  }

  async waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`socket condition not met within ${timeoutMs} ms; frames: ${JSON.stringify(this.frames).slice(0, 2000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for `count` frames of `type` and returns them. */
  async nextOfType(type: string, count = 1, timeoutMs?: number): Promise<any[]> {
    await this.waitFor(() => this.ofType(type).length >= count, timeoutMs);
    return this.ofType(type);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.socket.close();
    await this.waitFor(() => this.closed !== undefined, 5_000).catch(() => this.socket.terminate());
  }

  private notify() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** Opens a raw socket and tells how the handshake ended: 101 when upgraded, else the HTTP status. */
export function handshakeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
      socket.terminate();
    });
    socket.on('error', (error) => reject(error));
  });
}

/**
 * Resolves once this process's clock reads later than `time` (an ISO instant the server
 * stamped): what happens next is stamped later. At most a millisecond.
 */
export async function clockPasses(time: string): Promise<void> {
  while (Date.now() <= Date.parse(time)) await new Promise((resolve) => setImmediate(resolve));
}
