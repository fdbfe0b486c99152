import { runSplitApp } from '../../../libs/platform/src/split-process.js';
import { ProjectorModule } from './projector.module.js';

/** Serves only /health and /metrics over HTTP. */
await runSplitApp('projector', [ProjectorModule], false);
