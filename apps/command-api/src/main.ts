import { CommandApiModule } from '../../../libs/command-api/src/command-api.module.js';
import { runSplitApp } from '../../../libs/platform/src/split-process.js';

await runSplitApp({ name: 'command-api', modules: [CommandApiModule] });
