import type { WebSocket } from 'ws';

/** The sockets open on this query-api instance, by user and device. */
export class LocalSockets {
  private readonly byUser = new Map<string, Map<WebSocket, string>>();

  add(userId: string, deviceId: string, socket: WebSocket): void {
    let sockets = this.byUser.get(userId);
    if (!sockets) this.byUser.set(userId, (sockets = new Map()));
    sockets.set(socket, deviceId);
  }

  remove(userId: string, socket: WebSocket): void {
    const sockets = this.byUser.get(userId);
    sockets?.delete(socket);
    if (sockets?.size === 0) this.byUser.delete(userId);
  }

  /** This user's open sockets here, those of one device left out. */
  countOtherDevices(userId: string, deviceId: string): number {
    return [...(this.byUser.get(userId)?.values() ?? [])].filter((device) => device !== deviceId).length;
  }

  /** The sockets of one device here. */
  ofDevice(userId: string, deviceId: string): WebSocket[] {
    return [...(this.byUser.get(userId) ?? [])].filter(([, device]) => device === deviceId).map(([socket]) => socket);
  }

  users(): string[] {
    return [...this.byUser.keys()];
  }

  /** Sends an ephemeral frame (no cursor) to every socket of the user here. */
  send(userId: string, frame: string): void {
    for (const socket of this.byUser.get(userId)?.keys() ?? []) {
      if (socket.readyState === socket.OPEN) socket.send(frame);
    }
  }

  /** Sends an ephemeral frame to one device of the user, if it is connected here. */
  sendToDevice(userId: string, deviceId: string, frame: string): void {
    for (const socket of this.ofDevice(userId, deviceId)) if (socket.readyState === socket.OPEN) socket.send(frame);
  }

  closeDevice(deviceId: string, code: number, reason: string): void {
    for (const sockets of this.byUser.values()) {
      for (const [socket, device] of sockets) if (device === deviceId) socket.close(code, reason);
    }
  }
}
