// Best-effort read of the server's Prometheus /metrics (not part of the client protocol): shows
// whether a slow or lossy run is the command side, the projector or the feed push falling behind.
// Any failure yields null and never fails a scenario.

/** Metric name suffixes of interest, summed over their labels. */
const WANTED = {
  eventsAppended: 'events_appended_total',
  eventsProjected: 'events_projected_total',
  projectorPosition: 'projector_position',
  feedFramesSent: 'feed_frames_sent_total',
  websocketConnections: 'websocket_connections',
  heapUsedBytes: 'nodejs_heap_size_used_bytes',
  externalMemoryBytes: 'nodejs_external_memory_bytes',
} as const;

export type ServerMetrics = Partial<Record<keyof typeof WANTED, number>>;

export async function scrapeMetrics(httpBase: string): Promise<ServerMetrics | null> {
  try {
    const res = await fetch(`${httpBase}/metrics`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) return null;
    const text = await res.text();
    const out: ServerMetrics = {};
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
      if (!m) continue;
      for (const [key, suffix] of Object.entries(WANTED) as Array<[keyof typeof WANTED, string]>) {
        if (m[1].endsWith(suffix)) out[key] = (out[key] ?? 0) + Number(m[3]);
      }
    }
    return Object.keys(out).length ? out : null;
  } catch {
    return null;
  }
}

/** Counter increases between two scrapes, plus the gauges' final values. */
export function metricsDelta(a: ServerMetrics | null, b: ServerMetrics | null): Record<string, number> | null {
  if (!a || !b) return null;
  const out: Record<string, number> = {};
  for (const k of ['eventsAppended', 'eventsProjected', 'feedFramesSent'] as const) {
    // a labelled counter has no line before its first increment
    if (b[k] !== undefined) out[k] = b[k]! - (a[k] ?? 0);
  }
  if (b.projectorPosition !== undefined) out.projectorPositionAtEnd = b.projectorPosition;
  if (b.websocketConnections !== undefined) out.websocketConnectionsAtEnd = b.websocketConnections;
  return out;
}
