// What every scenario gets, and what it must provide. A new scenario (groups, presence, ...) is a
// new file exporting a Scenario, plus one line in ./index.ts.
import type { Api } from '../lib/api.js';
import type { BenchConfig } from '../lib/config.js';
import type { DevicePool } from '../lib/devices.js';
import type { ServerHandle } from '../lib/server.js';

export interface BenchContext {
  config: BenchConfig;
  server: ServerHandle;
  api: Api;
  /** Registered devices, shared by the scenarios of one server. Scenarios run one after another, so they may reuse them. */
  devices: DevicePool;
}

export interface Scenario {
  /** Key of this scenario's figures in the output JSON, and its name in BENCH_SCENARIOS. */
  name: string;
  /** Run on a newly started server (e.g. so memory figures are not blurred by earlier scenarios' garbage). */
  freshServer?: boolean;
  run(ctx: BenchContext): Promise<unknown>;
}
