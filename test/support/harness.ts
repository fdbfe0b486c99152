import { afterAll, beforeAll } from 'vitest';
import type WebSocket from 'ws';
import { Api, eventually, FeedClient, registerUser, TestUser } from './client.js';
import { startTestSystem, TestSystem } from './system.js';

/** Users and sockets against one running system; every socket opened here is closed by `closeAll`. */
export function harness(getSystem: () => { baseUrl: string; wsUrl: string }) {
  const sockets: FeedClient[] = [];
  const api = () => new Api(getSystem().baseUrl);
  return {
    sockets,
    api,
    /** Registers users; `known` waits until the read models have them too (profiles, discovery and typing read those). */
    async users(n: number, { known = true } = {}): Promise<TestUser[]> {
      const created = await Promise.all(Array.from({ length: n }, () => registerUser(api())));
      if (known) for (const user of created) await eventually(() => api().get(`/v1/users/${user.userId}/profile`, user.token), (r) => r.status === 200);
      return created;
    },
    async connect(user: TestUser, since?: string, options?: WebSocket.ClientOptions): Promise<FeedClient> {
      const socket = await FeedClient.connect(getSystem().wsUrl, user.token, since, options);
      sockets.push(socket);
      return socket;
    },
    async closeAll(): Promise<void> {
      await Promise.all(sockets.map((s) => s.close()));
    },
  };
}

export type Harness = ReturnType<typeof harness>;

/**
 * A system of its own for the enclosing `describe` (or file): started before its tests, closed
 * with its sockets after them.
 */
export function useTestSystem(...args: Parameters<typeof startTestSystem>): Harness & { readonly system: TestSystem } {
  let system: TestSystem | undefined;
  const h = harness(() => system!);
  beforeAll(async () => {
    system = await startTestSystem(...args);
  });
  afterAll(async () => {
    await h.closeAll();
    await system?.close();
  });
  return Object.defineProperty(h, 'system', { get: () => system! }) as Harness & { readonly system: TestSystem };
}
