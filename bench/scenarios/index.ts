// Scenarios in the order `npm run bench` runs them. Add a new one here (e.g. groups, presence).
import { idleConnectionsScenario } from './idle-connections.js';
import { maxRateScenario } from './max-rate.js';
import { oneToOneScenario } from './one-to-one.js';
import { reconnectScenario } from './reconnect.js';
import type { Scenario } from './types.js';

export const scenarios: Scenario[] = [oneToOneScenario, maxRateScenario, reconnectScenario, idleConnectionsScenario];
