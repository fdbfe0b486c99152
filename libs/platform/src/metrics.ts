import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The stages of a message's way from `send` to the recipient's socket (`messenger_delivery_stage_seconds{stage}`). */
export type DeliveryStage = 'append_wait' | 'append_commit' | 'log_to_gateway' | 'gateway_to_socket';

/** Prometheus metrics of one process, served at GET /metrics. */
export class Metrics {
  readonly registry = new Registry();
  readonly eventsProjected: Counter;
  readonly projectorPosition: Gauge;
  /** Log head minus the projector's position, in events: how far reads may lag behind writes. */
  readonly projectorLag: Gauge;
  readonly openSockets: Gauge;
  readonly feedFramesSent: Counter;
  readonly httpDuration: Histogram;
  readonly deliveryStage: Histogram<'stage'>;
  /** Time reads waited for the projections to reach the log head (read your own writes). */
  readonly readFenceWait: Histogram;

  constructor(prefix = 'messenger_') {
    collectDefaultMetrics({ register: this.registry, prefix });
    const registers = [this.registry];
    this.eventsProjected = new Counter({ name: `${prefix}events_projected_total`, help: 'events applied by the projector', registers });
    this.projectorPosition = new Gauge({ name: `${prefix}projector_position`, help: 'global position of the last projected event', registers });
    this.projectorLag = new Gauge({ name: `${prefix}projector_lag_events`, help: 'log head minus the projector position, in events', registers });
    this.openSockets = new Gauge({ name: `${prefix}websocket_connections`, help: 'open client WebSockets', registers });
    this.feedFramesSent = new Counter({ name: `${prefix}feed_frames_sent_total`, help: 'feed frames pushed to sockets', registers });
    this.httpDuration = new Histogram({
      name: `${prefix}http_request_duration_seconds`,
      help: 'HTTP request duration',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    const fine = [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5];
    this.deliveryStage = new Histogram({
      name: `${prefix}delivery_stage_seconds`,
      help: 'time per stage of delivery: append_wait, append_commit, log_to_gateway, gateway_to_socket',
      labelNames: ['stage'],
      buckets: fine,
      registers,
    });
    this.readFenceWait = new Histogram({
      name: `${prefix}read_fence_wait_seconds`,
      help: 'time a read waited for the projections to reach the log head',
      buckets: fine,
      registers,
    });
  }

  private readonly stages = new Map<DeliveryStage, { observe(seconds: number): void }>();

  observeStage(stage: DeliveryStage, ms: number): void {
    let child = this.stages.get(stage);
    if (!child) this.stages.set(stage, (child = this.deliveryStage.labels(stage)));
    child.observe(ms / 1000);
  }
}
