import { randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  AppendResult,
  CatchUpSubscription,
  EventStore,
  EventToAppend,
  ExpectedVersion,
  StoredEvent,
  SubscribeOptions,
  WrongExpectedVersionError,
} from '../event-store.port.js';

const NOTIFY_CHANNEL = 'es_events';
/** Arbitrary constant naming the one advisory lock every appender takes (see `writeBatch`). */
const APPEND_LOCK_KEY = 7_310_442_001;
const MAX_EVENTS_PER_TRANSACTION = 2_000;
const POLL_INTERVAL_MS = 1_000;

interface PendingAppend {
  streamId: string;
  events: EventToAppend[];
  expected: ExpectedVersion;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

interface EventRow {
  global_position: string;
  event_id: string;
  stream_id: string;
  stream_version: number;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  recorded_at: Date;
}

export const EVENT_STORE_SCHEMA = `
CREATE TABLE IF NOT EXISTS es_events (
  global_position bigserial PRIMARY KEY,
  event_id uuid NOT NULL UNIQUE,
  stream_id text NOT NULL,
  stream_version integer NOT NULL,
  type text NOT NULL,
  data jsonb NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (stream_id, stream_version)
);`;

/**
 * PostgreSQL event store.
 *
 * Global-position gaps: with a plain sequence, a transaction that took position 10 can commit
 * after one that took 11, and a reader that already saw 11 would skip 10 for ever. Here every
 * append transaction takes one transaction-scoped advisory lock before it draws positions, and
 * PostgreSQL makes a commit visible before it releases the transaction's locks; so positions
 * become visible strictly in order and "read everything after my checkpoint" never skips.
 * The cost of that serialisation is paid back by group commit: appends that arrive while a
 * transaction is in flight are written together in the next one.
 */
export class PostgresEventStore implements EventStore {
  private readonly pending: PendingAppend[] = [];
  private flushing = false;
  private listener?: Promise<pg.Client>;
  private readonly wakeups = new Set<() => void>();

  /** Appends are written one transaction at a time on their own connection, never queued behind reads. */
  private readonly writer: pg.Pool;

  constructor(
    private readonly pool: pg.Pool,
    /** Runs inside each append transaction just before COMMIT; tests use it to hold a transaction open. */
    private readonly beforeCommit?: () => Promise<void>,
  ) {
    this.writer = new pg.Pool({ ...pool.options, max: 1 });
    this.writer.on('error', () => undefined);
  }

  static async migrate(pool: pg.Pool): Promise<void> {
    await pool.query(EVENT_STORE_SCHEMA);
  }

  append(streamId: string, events: EventToAppend[], expected: ExpectedVersion): Promise<AppendResult> {
    if (events.length === 0) return Promise.reject(new Error('append needs at least one event'));
    return new Promise((resolve, reject) => {
      this.pending.push({ streamId, events, expected, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch: PendingAppend[] = [];
      let size = 0;
      while (this.pending.length > 0 && (batch.length === 0 || size + this.pending[0].events.length <= MAX_EVENTS_PER_TRANSACTION)) {
        const next = this.pending.shift()!;
        size += next.events.length;
        batch.push(next);
      }
      try {
        await this.writeBatch(batch);
      } catch (error) {
        for (const append of batch) append.reject(error);
      }
    }
    this.flushing = false;
  }

  private async writeBatch(batch: PendingAppend[]): Promise<void> {
    const client = await this.writer.connect();
    try {
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${APPEND_LOCK_KEY})`);
      const streamIds = [...new Set(batch.map((a) => a.streamId))];
      const { rows } = await client.query<{ stream_id: string; version: number | null }>(
        // One index probe per stream (max on the unique (stream_id, stream_version) index), however long the stream.
        `SELECT s.stream_id, (SELECT max(stream_version) FROM es_events e WHERE e.stream_id = s.stream_id) AS version
         FROM unnest($1::text[]) AS s(stream_id)`,
        [streamIds],
      );
      const versions = new Map(rows.map((r) => [r.stream_id, Number(r.version ?? 0)]));

      const accepted: { append: PendingAppend; ids: string[]; firstVersion: number }[] = [];
      const ids: string[] = [], streams: string[] = [], streamVersions: number[] = [];
      const types: string[] = [], data: string[] = [], metadata: string[] = [];
      for (const append of batch) {
        const current = versions.get(append.streamId) ?? 0;
        if (append.expected !== 'any' && append.expected !== current) {
          append.reject(new WrongExpectedVersionError(append.streamId, append.expected, current));
          continue;
        }
        const appendIds = append.events.map(() => randomUUID());
        append.events.forEach((event, i) => {
          ids.push(appendIds[i]);
          streams.push(append.streamId);
          streamVersions.push(current + i + 1);
          types.push(event.type);
          data.push(JSON.stringify(event.data));
          metadata.push(JSON.stringify(event.metadata ?? {}));
        });
        versions.set(append.streamId, current + append.events.length);
        accepted.push({ append, ids: appendIds, firstVersion: current + 1 });
      }
      if (accepted.length === 0) {
        await client.query('ROLLBACK');
        return;
      }
      // The NOTIFY rides along (PostgreSQL folds identical notifications of one transaction into one).
      const inserted = await client.query<{ event_id: string; global_position: string }>(
        `WITH inserted AS (
           INSERT INTO es_events (event_id, stream_id, stream_version, type, data, metadata)
           SELECT id, stream, version, type, data, metadata
           FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::jsonb[], $6::jsonb[])
                WITH ORDINALITY AS t(id, stream, version, type, data, metadata, ord)
           ORDER BY ord
           RETURNING event_id, global_position)
         SELECT event_id, global_position, pg_notify('${NOTIFY_CHANNEL}', '') FROM inserted`,
        [ids, streams, streamVersions, types, data, metadata],
      );
      const positions = new Map(inserted.rows.map((r) => [r.event_id, BigInt(r.global_position)]));
      await this.beforeCommit?.();
      await client.query('COMMIT');
      for (const { append, ids: appendIds, firstVersion } of accepted) {
        append.resolve({
          nextVersion: firstVersion + append.events.length - 1,
          positions: appendIds.map((id) => positions.get(id)!),
        });
      }
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async readStream(streamId: string, afterVersion = 0): Promise<StoredEvent[]> {
    const { rows } = await this.pool.query<EventRow>(
      'SELECT * FROM es_events WHERE stream_id = $1 AND stream_version > $2 ORDER BY stream_version',
      [streamId, afterVersion],
    );
    return rows.map(toStoredEvent);
  }

  async readAll(after: bigint, limit: number): Promise<StoredEvent[]> {
    const { rows } = await this.pool.query<EventRow>(
      'SELECT * FROM es_events WHERE global_position > $1 ORDER BY global_position LIMIT $2',
      [after.toString(), limit],
    );
    return rows.map(toStoredEvent);
  }

  async headPosition(): Promise<bigint> {
    const { rows } = await this.pool.query<{ head: string | null }>('SELECT max(global_position) AS head FROM es_events');
    return BigInt(rows[0].head ?? 0);
  }

  subscribeToAll(options: SubscribeOptions): CatchUpSubscription {
    let stopped = false;
    let wake: (() => void) | undefined;
    const maxBatch = options.maxBatchSize ?? 500;
    const run = async () => {
      await this.ensureListener();
      let after = options.after;
      while (!stopped) {
        // Register for wake-ups before reading, so a notify between the read and the wait is not lost.
        const notified = new Promise<void>((resolve) => {
          wake = resolve;
          this.wakeups.add(resolve);
        });
        const events = await this.readAll(after, maxBatch);
        if (events.length > 0) {
          this.wakeups.delete(wake!);
          await options.handle(events);
          after = events[events.length - 1].globalPosition;
          continue;
        }
        await Promise.race([notified, new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS))]);
        this.wakeups.delete(wake!);
      }
    };
    const done = run();
    done.catch(() => undefined);
    return {
      done,
      stop: async () => {
        stopped = true;
        wake?.();
        await done.catch(() => undefined);
      },
    };
  }

  private ensureListener(): Promise<pg.Client> {
    this.listener ??= (async () => {
      const client = new pg.Client({ ...this.pool.options });
      client.on('notification', () => {
        for (const wake of [...this.wakeups]) wake();
      });
      // A lost LISTEN connection only slows subscribers down to the poll interval; it loses nothing.
      client.on('error', () => undefined);
      await client.connect();
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
      return client;
    })();
    return this.listener;
  }

  async close(): Promise<void> {
    for (const wake of [...this.wakeups]) wake();
    await this.writer.end().catch(() => undefined);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.then((client) => client.end()).catch(() => undefined);
  }
}

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    id: row.event_id,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    globalPosition: BigInt(row.global_position),
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at,
  };
}
