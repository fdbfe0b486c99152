import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one process, served at GET /metrics. */
export class Metrics {
  readonly registry = new Registry();
  readonly eventsProjected: Counter;
  readonly projectorPosition: Gauge;
  readonly openSockets: Gauge;
  readonly feedFramesSent: Counter;
  readonly httpDuration: Histogram;

  constructor(prefix = 'messenger_') {
    collectDefaultMetrics({ register: this.registry, prefix });
    const registers = [this.registry];
    this.eventsProjected = new Counter({ name: `${prefix}events_projected_total`, help: 'events applied by the projector', registers });
    this.projectorPosition = new Gauge({ name: `${prefix}projector_position`, help: 'global position of the last projected event', registers });
    this.openSockets = new Gauge({ name: `${prefix}websocket_connections`, help: 'open client WebSockets', registers });
    this.feedFramesSent = new Counter({ name: `${prefix}feed_frames_sent_total`, help: 'feed frames pushed to sockets', registers });
    this.httpDuration = new Histogram({
      name: `${prefix}http_request_duration_seconds`,
      help: 'HTTP request duration',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
  }
}
