import { protocolWebSocket } from '../../../libs/gateway/src/protocol-ws-adapter.js';
import { runSplitApp } from '../../../libs/platform/src/split-process.js';
import { QueryApiModule } from '../../../libs/query-api/src/query-api.module.js';

await runSplitApp({ name: 'query-api', modules: [QueryApiModule], websocket: protocolWebSocket });
