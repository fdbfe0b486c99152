import { describe, it } from 'vitest';
import { decideLogInDevice, evolveUser, initialUser, LogInDevice, UserEvent } from '../src/index.js';
import { specify } from './given-when-then.js';

const now = new Date('2026-11-24T12:00:00.000Z');
const at = now.toISOString();
const user = specify(initialUser, evolveUser, decideLogInDevice);
const logIn = (deviceId: string): LogInDevice => ({ userId: 'u1', phone: '+14155550123', deviceId, deviceName: 'Pixel', now });
const registered: UserEvent = { type: 'UserRegistered', data: { userId: 'u1', phone: '+14155550123', registeredAt: at } };
const loggedIn = (deviceId: string): UserEvent => ({ type: 'DeviceLoggedIn', data: { userId: 'u1', deviceId, deviceName: 'Pixel', at } });

describe('logging in by phone', () => {
  it('a new phone registers its user and logs the device in', () => {
    user.given().when(logIn('d1')).then([registered, loggedIn('d1')]);
  });

  it('a known phone logs one more device in without registering again', () => {
    user.given(registered, loggedIn('d1')).when(logIn('d2')).then([loggedIn('d2')]);
  });
});
