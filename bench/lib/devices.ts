// Registered devices shared by all scenarios of one server (registration is the slow part).
import type { Api } from './api.js';
import { log, mapLimit } from './log.js';
import { phoneNumber } from './phones.js';

export interface Device {
  index: number;
  phone: string;
  userId: string;
  deviceId: string;
  token: string;
}

export class DevicePool {
  private readonly devices: Device[] = [];

  constructor(private readonly api: Api, private readonly concurrency: number) {}

  get size(): number {
    return this.devices.length;
  }

  /** The first `n` devices, registering the missing ones (one user per device). */
  async take(n: number): Promise<Device[]> {
    if (this.devices.length < n) {
      const from = this.devices.length;
      const todo = Array.from({ length: n - from }, (_, i) => from + i);
      log(`registering ${todo.length} devices (${from} already)`);
      const started = performance.now();
      let done = 0;
      const timer = setInterval(() => log(`  registered ${done}/${todo.length}`), 5000);
      try {
        const made = await mapLimit(todo, this.concurrency, async (index) => {
          const d = await this.register(index);
          done++;
          return d;
        });
        this.devices.push(...made);
      } finally {
        clearInterval(timer);
      }
      const secs = (performance.now() - started) / 1000;
      log(`registered ${todo.length} devices in ${secs.toFixed(1)}s (${(todo.length / secs).toFixed(0)}/s)`);
    }
    return this.devices.slice(0, n);
  }

  private async register(index: number): Promise<Device> {
    const phone = phoneNumber(index);
    const req = await this.api.callRetrying<{ devCode?: unknown }>('POST', '/v1/auth/request-code', { phone });
    if (typeof req.devCode !== 'string' && typeof req.devCode !== 'number') {
      throw new Error(`POST /v1/auth/request-code gave no devCode (is the server in development delivery mode?): ${JSON.stringify(req)}`);
    }
    const res = await this.api.callRetrying<{ userId?: unknown; deviceId?: unknown; token?: unknown }>('POST', '/v1/auth/verify', {
      phone,
      code: String(req.devCode),
      deviceName: `bench-${index}`,
    });
    if (typeof res.userId !== 'string' || typeof res.deviceId !== 'string' || typeof res.token !== 'string') {
      throw new Error(`POST /v1/auth/verify answer lacks userId/deviceId/token strings: ${JSON.stringify(res).slice(0, 300)}`);
    }
    return { index, phone, userId: res.userId, deviceId: res.deviceId, token: res.token };
  }
}
