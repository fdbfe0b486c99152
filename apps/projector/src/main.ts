import { AnalyticsPublisherModule } from '../../../libs/analytics/src/analytics-publisher.module.js';
import { runSplitApp } from '../../../libs/platform/src/split-process.js';
import { ProjectorModule } from '../../../libs/projections/src/projector.module.js';

/** Projects the log into the read models and publishes it to Kafka; serves only /health and /metrics over HTTP. */
await runSplitApp({ name: 'projector', modules: [ProjectorModule, AnalyticsPublisherModule] });
