// Scenarios in the order `npm run bench` runs them. Add a new one here (e.g. groups, presence).
import { callsScenario } from './calls.js';
import { group1024OfflineScenario } from './group1024-offline.js';
import { group256Scenario } from './group256.js';
import { idleConnectionsScenario } from './idle-connections.js';
import { maxRateScenario } from './max-rate.js';
import { mediaScenario } from './media.js';
import { oneToOneDuringRebuildScenario } from './one-to-one-during-rebuild.js';
import { oneToOneScenario } from './one-to-one.js';
import { presenceScenario } from './presence.js';
import { rebuildScenario } from './rebuild.js';
import { reconnectScenario } from './reconnect.js';
import { typingScenario } from './typing.js';
import type { Scenario } from './types.js';

export const scenarios: Scenario[] = [
  oneToOneScenario,
  oneToOneDuringRebuildScenario,
  maxRateScenario,
  reconnectScenario,
  group256Scenario,
  group1024OfflineScenario,
  presenceScenario,
  typingScenario,
  callsScenario,
  idleConnectionsScenario,
  rebuildScenario,
  mediaScenario,
];
