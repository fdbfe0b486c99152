import { randomUUID } from 'node:crypto';
import { Clock, deviceConnected, deviceDisconnected, TimerHandle } from '../../domain/src/index.js';

export type PresenceFact = ReturnType<typeof deviceConnected> | ReturnType<typeof deviceDisconnected>;

interface DeviceState {
  userId: string;
  /** Names the connection in the facts: the same id opens and closes it, however many sockets came and went between. */
  connectionId: string;
  sockets: number;
  pendingClose?: { handle: TimerHandle; at: Date };
}

/**
 * Folds a device's socket churn on this instance into presence facts, so reconnect storms cannot
 * grow the log: `DeviceConnected` when its first socket opens; `DeviceDisconnected` when its last
 * one has stayed closed for the grace period, stamped with the moment it closed (last seen stays
 * exact). A socket that reopens within the grace records nothing. So a device adds at most two
 * events per grace period, whatever it does.
 */
export class DevicePresence {
  private readonly devices = new Map<string, DeviceState>();

  constructor(
    private readonly record: (userId: string, fact: PresenceFact) => void,
    private readonly graceMs: number,
    private readonly clock: Clock,
  ) {}

  opened(userId: string, deviceId: string): void {
    const device = this.devices.get(deviceId);
    if (device) {
      device.sockets++;
      if (device.pendingClose) this.clock.clearTimeout(device.pendingClose.handle);
      device.pendingClose = undefined;
      return;
    }
    const connectionId = randomUUID();
    this.devices.set(deviceId, { userId, connectionId, sockets: 1 });
    this.record(userId, deviceConnected(userId, deviceId, connectionId, this.clock.now()));
  }

  closed(deviceId: string): void {
    const device = this.devices.get(deviceId);
    if (!device || --device.sockets > 0) return;
    const at = this.clock.now();
    device.pendingClose = { at, handle: this.clock.setTimeout(() => this.close(deviceId), this.graceMs) };
  }

  /** Records every pending close now (shutting down), each at the moment its socket closed. */
  flush(): void {
    for (const [deviceId, device] of this.devices) {
      if (!device.pendingClose) continue;
      this.clock.clearTimeout(device.pendingClose.handle);
      this.close(deviceId);
    }
  }

  private close(deviceId: string): void {
    const device = this.devices.get(deviceId);
    if (!device?.pendingClose) return;
    this.devices.delete(deviceId);
    this.record(device.userId, deviceDisconnected(device.userId, deviceId, device.connectionId, device.pendingClose.at));
  }
}
