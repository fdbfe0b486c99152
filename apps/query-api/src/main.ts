import { runSplitApp } from '../../../libs/platform/src/split-process.js';
import { QueryApiModule } from './query-api.module.js';

await runSplitApp('query-api', [QueryApiModule], true);
