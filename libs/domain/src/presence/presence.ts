import { DeviceConnected, DeviceDisconnected } from '../events.js';

/**
 * Connections open and close as facts (heartbeats are not recorded): the last-seen read
 * model is their projection. A user is online while any connection is open.
 */
export function deviceConnected(userId: string, deviceId: string, connectionId: string, now: Date): DeviceConnected {
  return { type: 'DeviceConnected', data: { userId, deviceId, connectionId, at: now.toISOString() } };
}

export function deviceDisconnected(userId: string, deviceId: string, connectionId: string, now: Date): DeviceDisconnected {
  return { type: 'DeviceDisconnected', data: { userId, deviceId, connectionId, at: now.toISOString() } };
}
