import { DeviceLoggedIn, UserEvent, UserRegistered } from '../events.js';

export interface User {
  registered: boolean;
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

export function evolveUser(state: User, event: UserEvent): User {
  if (event.type === 'UserRegistered') state.registered = true;
  else state.deviceIds.add(event.data.deviceId);
  return state;
}
