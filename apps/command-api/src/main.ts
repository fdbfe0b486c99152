import { runSplitApp } from '../../../libs/platform/src/split-process.js';
import { CommandApiModule } from './command-api.module.js';

await runSplitApp('command-api', [CommandApiModule], false);
