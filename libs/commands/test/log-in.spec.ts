import { beforeEach, describe, expect, it } from 'vitest';
import { LoginCodes } from '../../auth/src/login-codes.js';
import { AuthenticationError, TokenService } from '../../auth/src/tokens.js';
import { userIdForPhone } from '../../auth/src/user-id.js';
import { streams } from '../../domain/src/index.js';
import { InMemoryEventLog } from '../../event-store/src/memory/in-memory-event-store.js';
import { AggregateStore } from '../src/aggregate-store.js';
import { LogInHandler } from '../src/log-in.handler.js';
import { eventsIn, fixedClock, NOW, RecordingEventStore } from './fixtures.js';

const ID_SECRET = 'id-secret';
const PHONE = '+14155550123';

/** Login codes without their PostgreSQL table: every phone's code is '123456'; the handler is only asked to consume it. */
class FixedCodes implements Pick<LoginCodes, 'issue' | 'consume'> {
  readonly consumed: string[] = [];
  async issue(): Promise<string> {
    return '123456';
  }
  async consume(phone: string, code: string): Promise<void> {
    if (code !== '123456') throw new AuthenticationError('wrong code');
    this.consumed.push(phone);
  }
}

describe('LogInHandler', () => {
  let log: InMemoryEventLog;
  let store: RecordingEventStore;
  let codes: FixedCodes;
  let tokens: TokenService;
  const handler = (onStore = store) => new LogInHandler(new AggregateStore(onStore), codes, tokens, ID_SECRET, fixedClock);
  beforeEach(() => {
    log = new InMemoryEventLog();
    store = new RecordingEventStore(log);
    codes = new FixedCodes();
    tokens = new TokenService('token-secret', '1h');
  });

  it('registers a new phone\'s user and logs its device in, with a token for that device', async () => {
    const loggedIn = await handler().verify(PHONE, '123456', 'phone');

    expect(loggedIn.userId).toBe(userIdForPhone(PHONE, ID_SECRET));
    expect(await tokens.verify(loggedIn.token)).toEqual({ userId: loggedIn.userId, deviceId: loggedIn.deviceId });
    expect(await eventsIn(store, streams.user(loggedIn.userId))).toEqual([
      { type: 'UserRegistered', data: { userId: loggedIn.userId, phone: PHONE, registeredAt: NOW.toISOString() } },
      { type: 'DeviceLoggedIn', data: { userId: loggedIn.userId, deviceId: loggedIn.deviceId, deviceName: 'phone', at: NOW.toISOString() } },
    ]);
  });

  it('adds a device to a known phone\'s user, each device with its own id', async () => {
    const first = await handler().verify(PHONE, '123456', 'phone');
    const second = await handler().verify(PHONE, '123456', undefined);

    expect(second.userId).toBe(first.userId);
    expect(second.deviceId).not.toBe(first.deviceId);
    const events = await eventsIn(store, streams.user(first.userId));
    expect(events.map((e) => e.type)).toEqual(['UserRegistered', 'DeviceLoggedIn', 'DeviceLoggedIn']);
    expect(events[2].data).toMatchObject({ deviceId: second.deviceId, deviceName: 'unnamed device' });
  });

  it('registers a phone once when two processes verify it at the same moment', async () => {
    const [a, b] = await Promise.all([handler().verify(PHONE, '123456', 'a'), handler(new RecordingEventStore(log)).verify(PHONE, '123456', 'b')]);

    const events = await eventsIn(store, streams.user(a.userId));
    expect(events.map((e) => e.type).sort()).toEqual(['DeviceLoggedIn', 'DeviceLoggedIn', 'UserRegistered']);
    expect(events[0].type).toBe('UserRegistered');
    expect(b.userId).toBe(a.userId);
  });

  it('refuses a wrong code and an invalid number, writing nothing', async () => {
    await expect(handler().verify(PHONE, '000000', 'phone')).rejects.toBeInstanceOf(AuthenticationError);
    await expect(handler().verify('+1415', '123456', 'phone')).rejects.toMatchObject({ code: 'invalid_phone' });
    expect(codes.consumed).toEqual([]);
    expect(store.appends).toEqual([]);
  });

});
