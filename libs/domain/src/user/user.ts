import { notFound } from '../errors.js';
import { DeviceLoggedIn, DeviceLoggedOut, ProfileUpdated, UserEvent, UserRegistered } from '../events.js';

export interface User {
  registered: boolean;
  /** Devices logged in and not logged out. */
  deviceIds: Set<string>;
}

export interface LogInDevice {
  userId: string;
  phone: string;
  deviceId: string;
  deviceName: string;
  now: Date;
}

export const initialUser = (): User => ({ registered: false, deviceIds: new Set() });

/** A new phone registers its user; a known phone logs one more device in. */
export function decideLogInDevice(command: LogInDevice, state: User): UserEvent[] {
  const at = command.now.toISOString();
  const loggedIn: DeviceLoggedIn = {
    type: 'DeviceLoggedIn',
    data: { userId: command.userId, deviceId: command.deviceId, deviceName: command.deviceName, at },
  };
  if (state.registered) return [loggedIn];
  const registered: UserRegistered = {
    type: 'UserRegistered',
    data: { userId: command.userId, phone: command.phone, registeredAt: at },
  };
  return [registered, loggedIn];
}

/** Logs one of the user's own devices out; its token stops working. */
export function decideLogOutDevice(command: { userId: string; deviceId: string; now: Date }, state: User): DeviceLoggedOut[] {
  if (!state.deviceIds.has(command.deviceId)) throw notFound('device_not_found', 'no device of yours with that id');
  return [{ type: 'DeviceLoggedOut', data: { userId: command.userId, deviceId: command.deviceId, at: command.now.toISOString() } }];
}

export interface UpdateProfile {
  userId: string;
  audience: string[];
  displayName?: string;
  about?: string;
  avatarMediaId?: string | null;
  now: Date;
}

export function decideUpdateProfile(command: UpdateProfile, state: User): ProfileUpdated[] {
  if (!state.registered) throw notFound('user_not_found', 'no user with that id');
  const { userId, displayName, about, avatarMediaId } = command;
  const data: ProfileUpdated['data'] = { userId, at: command.now.toISOString(), audience: command.audience };
  if (displayName !== undefined) data.displayName = displayName;
  if (about !== undefined) data.about = about;
  if (avatarMediaId !== undefined) data.avatarMediaId = avatarMediaId;
  return [{ type: 'ProfileUpdated', data }];
}

export function evolveUser(state: User, event: UserEvent): User {
  switch (event.type) {
    case 'UserRegistered':
      state.registered = true;
      break;
    case 'DeviceLoggedIn':
      state.deviceIds.add(event.data.deviceId);
      break;
    case 'DeviceLoggedOut':
      state.deviceIds.delete(event.data.deviceId);
      break;
    case 'ProfileUpdated':
      break;
  }
  return state;
}
