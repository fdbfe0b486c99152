import { randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  AppendOptions,
  AppendResult,
  ClaimTakenError,
  CatchUpSubscription,
  EventStore,
  EventToAppend,
  ExpectedVersion,
  StoredEvent,
  SubscribeOptions,
  WrongExpectedVersionError,
} from '../event-store.port.js';
import { KEY_VAULT_SCHEMA } from './postgres-key-vault.js';

const NOTIFY_CHANNEL = 'es_events';
/** Arbitrary constant naming the one advisory lock every appender takes (see `writeBatch`). */
const APPEND_LOCK_KEY = 7_310_442_001;
const MAX_EVENTS_PER_TRANSACTION = 2_000;
const POLL_INTERVAL_MS = 1_000;

interface PendingAppend {
  streamId: string;
  events: EventToAppend[];
  expected: ExpectedVersion;
  claims: string[];
  dataKeys: { id: string; wrapped: Buffer }[];
  queuedAt: number;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

/** Where append time goes: waiting for the group commit, and the transaction itself. */
export interface AppendObserver {
  onCommit(waitedMs: number[], commitMs: number): void;
}

/** Batches committed by this process that a subscriber has not consumed yet; past this, it reads the log instead. */
const MAX_OFFERED_BATCHES = 64;

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
);
CREATE TABLE IF NOT EXISTS es_claims (
  key text PRIMARY KEY,
  stream_id text NOT NULL
);
${KEY_VAULT_SCHEMA}`;

/**
 * PostgreSQL event store. Its statements are named (prepared once per connection, not parsed
 * and planned on every call).
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
  /** Subscribers' notification handlers, given the last position a commit announced (undefined: unknown). */
  private readonly wakeups = new Set<(announced?: bigint) => void>();
  /** Subscribers in this process, offered each committed batch so they need not read it back. */
  private readonly committedListeners = new Set<(events: StoredEvent[]) => void>();

  /** Appends are written one transaction at a time on their own connection, never queued behind reads. */
  private readonly writer: pg.Pool;

  constructor(
    private readonly pool: pg.Pool,
    /** Runs inside each append transaction just before COMMIT; tests use it to hold a transaction open. */
    private readonly beforeCommit?: () => Promise<void>,
    private readonly observer?: AppendObserver,
  ) {
    // Same kind of pool as the caller's (e.g. one that coalesces writes), with one connection.
    this.writer = new (pool.constructor as typeof pg.Pool)({ ...pool.options, max: 1 });
    this.writer.on('error', () => undefined);
    // A connection lost mid-append (the database stopping) fails the append's query, which is
    // answered there; the client also emits it as an event, which must not crash the process.
    this.writer.on('connect', (client) => client.on('error', () => undefined));
  }

  static async migrate(pool: pg.Pool): Promise<void> {
    await pool.query(EVENT_STORE_SCHEMA);
  }

  append(streamId: string, events: EventToAppend[], expected: ExpectedVersion, options: AppendOptions = {}): Promise<AppendResult> {
    if (events.length === 0) return Promise.reject(new Error('append needs at least one event'));
    return new Promise((resolve, reject) => {
      this.pending.push({ streamId, events, expected, claims: options.claims ?? [], dataKeys: options.dataKeys ?? [], queuedAt: performance.now(), resolve, reject });
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
        // One append the database refuses must not fail the others that shared its transaction:
        // nothing of the batch was written or answered, so each is tried again on its own.
        if (batch.length === 1) batch[0].reject(error);
        else for (const append of batch) await this.writeBatch([append]).catch((own: unknown) => append.reject(own));
      }
    }
    this.flushing = false;
  }

  private async writeBatch(batch: PendingAppend[]): Promise<void> {
    const client = await this.writer.connect();
    const began = performance.now();
    try {
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${APPEND_LOCK_KEY})`);
      const streamIds = [...new Set(batch.map((a) => a.streamId))];
      const claimKeys = [...new Set(batch.flatMap((a) => a.claims))];
      const { rows } = await client.query<{ kind: 'version' | 'claim'; key: string; value: string | null }>({
        name: 'es_append_state',
        // One index probe per stream (max on the unique (stream_id, stream_version) index), however long the stream.
        text: `SELECT 'version' AS kind, s.stream_id AS key, (SELECT max(stream_version) FROM es_events e WHERE e.stream_id = s.stream_id)::text AS value
         FROM unnest($1::text[]) AS s(stream_id)
         UNION ALL
         SELECT 'claim', key, stream_id FROM es_claims WHERE key = ANY($2::text[])`,
        values: [streamIds, claimKeys],
      });
      const versions = new Map(rows.filter((r) => r.kind === 'version').map((r) => [r.key, Number(r.value ?? 0)]));
      const holders = new Map(rows.filter((r) => r.kind === 'claim').map((r) => [r.key, r.value!]));
      const newClaims: { key: string; streamId: string }[] = [];
      const dataKeys: { id: string; wrapped: Buffer }[] = [];

      const accepted: { append: PendingAppend; ids: string[]; firstVersion: number }[] = [];
      // Refusals are answered only once the transaction commits: if it fails, every append of the batch is decided again.
      const refused: { append: PendingAppend; error: Error }[] = [];
      const ids: string[] = [], streams: string[] = [], streamVersions: number[] = [];
      const types: string[] = [], data: string[] = [], metadata: string[] = [];
      for (const append of batch) {
        const current = versions.get(append.streamId) ?? 0;
        if (append.expected !== 'any' && append.expected !== current) {
          refused.push({ append, error: new WrongExpectedVersionError(append.streamId, append.expected, current) });
          continue;
        }
        const taken = append.claims.find((key) => (holders.get(key) ?? append.streamId) !== append.streamId);
        if (taken !== undefined) {
          refused.push({ append, error: new ClaimTakenError(taken, holders.get(taken)!) });
          continue;
        }
        for (const key of append.claims) {
          if (holders.has(key)) continue;
          holders.set(key, append.streamId);
          newClaims.push({ key, streamId: append.streamId });
        }
        dataKeys.push(...append.dataKeys);
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
        for (const { append, error } of refused) append.reject(error);
        return;
      }
      // The NOTIFY rides along and announces the batch's last position, so a subscriber that is past it need not read.
      const inserted = await client.query<{ event_id: string; global_position: string; recorded_at: Date }>({
        name: 'es_append_insert',
        text: `WITH inserted AS (
           INSERT INTO es_events (event_id, stream_id, stream_version, type, data, metadata, recorded_at)
           SELECT id, stream, version, type, data, metadata, clock_timestamp()
           FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::jsonb[], $6::jsonb[])
                WITH ORDINALITY AS t(id, stream, version, type, data, metadata, ord)
           ORDER BY ord
           RETURNING event_id, global_position, recorded_at),
         claimed AS (INSERT INTO es_claims (key, stream_id) SELECT * FROM unnest($7::text[], $8::text[])),
         keyed AS (INSERT INTO es_data_keys (key_id, wrapped) SELECT * FROM unnest($9::text[], $10::bytea[]) ON CONFLICT (key_id) DO NOTHING),
         notified AS (SELECT pg_notify('${NOTIFY_CHANNEL}', (SELECT max(global_position) FROM inserted)::text))
         SELECT event_id, global_position, recorded_at FROM inserted, notified`,
        values: [
          ids, streams, streamVersions, types, data, metadata,
          newClaims.map((c) => c.key), newClaims.map((c) => c.streamId),
          dataKeys.map((k) => k.id), dataKeys.map((k) => k.wrapped),
        ],
      });
      const insertedById = new Map(inserted.rows.map((r) => [r.event_id, r]));
      await this.beforeCommit?.();
      await client.query('COMMIT');
      const committed = performance.now();
      this.observer?.onCommit(accepted.map(({ append }) => began - append.queuedAt), committed - began);
      const stored: StoredEvent[] = [];
      for (const { append, ids: appendIds, firstVersion } of accepted) {
        append.resolve({
          nextVersion: firstVersion + append.events.length - 1,
          positions: appendIds.map((id) => BigInt(insertedById.get(id)!.global_position)),
        });
        append.events.forEach((event, i) => {
          const row = insertedById.get(appendIds[i])!;
          stored.push({
            id: appendIds[i],
            streamId: append.streamId,
            streamVersion: firstVersion + i,
            globalPosition: BigInt(row.global_position),
            type: event.type,
            data: event.data,
            metadata: event.metadata ?? {},
            recordedAt: row.recorded_at,
          });
        });
      }
      stored.sort((a, b) => (a.globalPosition < b.globalPosition ? -1 : 1));
      for (const { append, error } of refused) append.reject(error);
      for (const offer of this.committedListeners) offer(stored);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async readStream(streamId: string, afterVersion = 0): Promise<StoredEvent[]> {
    const { rows } = await this.pool.query<EventRow>({
      name: 'es_read_stream',
      text: 'SELECT * FROM es_events WHERE stream_id = $1 AND stream_version > $2 ORDER BY stream_version',
      values: [streamId, afterVersion],
    });
    return rows.map(toStoredEvent);
  }

  async readAll(after: bigint, limit: number): Promise<StoredEvent[]> {
    const { rows } = await this.pool.query<EventRow>({
      name: 'es_read_all',
      text: 'SELECT * FROM es_events WHERE global_position > $1 ORDER BY global_position LIMIT $2',
      values: [after.toString(), limit],
    });
    return rows.map(toStoredEvent);
  }

  async headPosition(): Promise<bigint> {
    const { rows } = await this.pool.query<{ head: string | null }>({ name: 'es_head', text: 'SELECT max(global_position) AS head FROM es_events' });
    return BigInt(rows[0].head ?? 0);
  }

  subscribeToAll(options: SubscribeOptions): CatchUpSubscription {
    let stopped = false;
    let after = options.after;
    let wake: (() => void) | undefined;
    const maxBatch = options.maxBatchSize ?? 500;
    /** Whether the log may hold events past `after` that this subscriber has not read. */
    let readNeeded = true;
    const onNotified = (announced?: bigint) => {
      if (announced === undefined || announced > after) readNeeded = true;
      wake?.();
    };
    // Batches this process committed: one that follows on exactly from `after` is the next part
    // of the log (positions are visible in order), so it is handled without reading it back.
    let offered: StoredEvent[][] = [];
    const offer = (events: StoredEvent[]) => {
      offered.push(events);
      if (offered.length > MAX_OFFERED_BATCHES) {
        offered = [];
        readNeeded = true;
      }
      wake?.();
    };
    const takeOffered = (): StoredEvent[] | undefined => {
      while (offered.length > 0 && offered[0][offered[0].length - 1].globalPosition <= after) offered.shift();
      // Consecutive batches that continue the log exactly are handled together, up to the batch size.
      const taken: StoredEvent[] = [];
      while (offered.length > 0 && taken.length + offered[0].length <= maxBatch) {
        const next = offered[0];
        const from = after + 1n + BigInt(taken.length);
        if (!next.every((e, i) => e.globalPosition === from + BigInt(i))) break;
        taken.push(...offered.shift()!);
      }
      return taken.length > 0 ? taken : undefined;
    };
    const read = async (): Promise<StoredEvent[]> => {
      if (!readNeeded) return [];
      readNeeded = false;
      const events = await this.readAll(after, maxBatch);
      // A full page may not be the end: read on.
      if (events.length === maxBatch) readNeeded = true;
      return events;
    };
    this.committedListeners.add(offer);
    this.wakeups.add(onNotified);
    const run = async () => {
      await this.ensureListener();
      while (!stopped) {
        // Armed before reading, so a notification or an offer during the read or the handler is not lost.
        const woken = new Promise<void>((resolve) => (wake = resolve));
        let events: StoredEvent[];
        try {
          events = takeOffered() ?? (await read());
        } catch {
          // Reading is idempotent: a failed read (the database restarting, a lost connection) is tried again.
          readNeeded = true;
          let retry: NodeJS.Timeout | undefined;
          await Promise.race([woken, new Promise((resolve) => (retry = setTimeout(resolve, POLL_INTERVAL_MS)))]);
          clearTimeout(retry);
          continue;
        }
        if (events.length > 0) {
          await options.handle(events);
          after = events[events.length - 1].globalPosition;
          continue;
        }
        let poll: NodeJS.Timeout | undefined;
        await Promise.race([woken, new Promise<void>((resolve) => (poll = setTimeout(() => ((readNeeded = true), resolve()), POLL_INTERVAL_MS)))]);
        clearTimeout(poll);
      }
    };
    const done = run().finally(() => {
      this.committedListeners.delete(offer);
      this.wakeups.delete(onNotified);
    });
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
      client.on('notification', ({ payload }) => {
        const announced = payload && /^\d+$/.test(payload) ? BigInt(payload) : undefined;
        for (const wake of [...this.wakeups]) wake(announced);
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
