import type { DataSource } from 'typeorm';
import { PgNotifications } from '../../platform/src/pg-notifications.js';
import { DEVICE_REVOKED_CHANNEL } from '../../read-models/src/projection-progress.js';

/**
 * The devices that were logged out, known to every process: loaded at start, then kept current
 * by the projector's notification (sent in the transaction that records the logout). Token
 * checks consult it in memory, so a logged-out device is refused without a database read.
 */
export class DeviceRevocations {
  private readonly revoked = new Set<string>();
  private readonly handlers = new Set<(deviceId: string) => void>();

  constructor(private readonly db: DataSource) {}

  async start(notifications: PgNotifications): Promise<void> {
    await notifications.listen(DEVICE_REVOKED_CHANNEL, (deviceId) => this.revoke(deviceId));
    notifications.onReconnect(() => void this.load());
    await this.load();
  }

  isRevoked(deviceId: string): boolean {
    return this.revoked.has(deviceId);
  }

  /** Called for each device logged out from now on (the gateway closes its sockets). */
  onRevoked(handler: (deviceId: string) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Resolves once this process refuses the device, or rejects after `timeoutMs`. */
  async waitUntilRevoked(deviceId: string, timeoutMs = 10_000): Promise<void> {
    if (this.revoked.has(deviceId)) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`device ${deviceId} was not revoked within ${timeoutMs} ms`));
      }, timeoutMs);
      const stop = this.onRevoked((revoked) => {
        if (revoked !== deviceId) return;
        clearTimeout(timer);
        stop();
        resolve();
      });
    });
  }

  private async load(): Promise<void> {
    const rows: { device_id: string }[] = await this.db.query('SELECT device_id FROM devices WHERE logged_out_at IS NOT NULL');
    for (const row of rows) this.revoke(row.device_id);
  }

  private revoke(deviceId: string): void {
    if (this.revoked.has(deviceId)) return;
    this.revoked.add(deviceId);
    for (const handler of this.handlers) handler(deviceId);
  }
}
