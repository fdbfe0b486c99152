// Connection churn cannot grow the permanent log nor hold unbounded sockets: one socket per
// device (a newer one replaces the older), a per-user limit, and presence facts folded per device.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { streams } from '../../libs/domain/src/streams.js';
import { Api, eventually, FeedClient, registerUser, type TestUser } from '../support/client.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

let system: TestSystem;
let api: Api;

beforeAll(async () => {
  system = await startTestSystem({ MAX_SOCKETS_PER_USER: '2', PRESENCE_GRACE_MS: '300' });
  api = new Api(system.baseUrl);
});

afterAll(async () => {
  await system?.close();
});

/** Another device of the same user (a second login of the phone). */
const anotherDevice = (user: TestUser) => registerUser(api, user.phone, 'another device');
const presenceFacts = async (user: TestUser) => (await system.runtime.eventStore.readStream(streams.presence(user.userId))).map((e) => e.type);

describe('socket churn', () => {
  it('a newer socket of a device replaces the older one (4409)', async () => {
    const alice = await registerUser(api);
    const first = await FeedClient.connect(system.wsUrl, alice.token);
    const second = await FeedClient.connect(system.wsUrl, alice.token);
    await first.waitFor(() => first.closed !== undefined);
    expect(first.closed?.code).toBe(4409);
    expect(second.closed).toBeUndefined();
    await second.ping();
    await second.close();
  });

  it('refuses a socket beyond the per-user limit (1008), counting devices, not reconnects', async () => {
    const alice = await registerUser(api);
    const [laptop, tablet] = [await anotherDevice(alice), await anotherDevice(alice)];
    const sockets = [await FeedClient.connect(system.wsUrl, alice.token), await FeedClient.connect(system.wsUrl, laptop.token)];
    const closedWith = await new Promise<number>((resolve) => {
      const third = new WebSocket(`${system.wsUrl}?token=${encodeURIComponent(tablet.token)}`);
      third.once('close', (code) => resolve(code));
    });
    expect(closedWith).toBe(1008);
    // The same device reconnecting is not a new socket for the limit.
    sockets.push(await FeedClient.connect(system.wsUrl, laptop.token));
    await sockets[2].ping();
    for (const socket of sockets) await socket.close();
  });

  it('50 quick reconnects of one device append one connect and, once it is gone, one disconnect', async () => {
    const alice = await registerUser(api);
    for (let i = 0; i < 50; i++) {
      const socket = await FeedClient.connect(system.wsUrl, alice.token);
      await socket.close();
    }
    const facts = await eventually(() => presenceFacts(alice), (types) => types.includes('DeviceDisconnected'));
    expect(facts).toEqual(['DeviceConnected', 'DeviceDisconnected']);
  });
});
