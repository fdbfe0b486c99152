import type { EntityManager } from 'typeorm';
import type { StoredEvent } from '../../event-store/src/event-store.port.js';
import type { ProjectionName } from '../../read-models/src/tables.js';

/**
 * A projection folds events into its read-model tables. `apply` runs inside the projector's
 * transaction, together with the projection's checkpoint; it must be set-based (a few
 * statements per batch, not per event) and give the same rows whatever the batch boundaries.
 */
export interface Projection {
  /** Names its checkpoint and, in PROJECTION_TABLES, the tables it owns (a rebuild empties them). */
  readonly name: ProjectionName;
  apply(db: EntityManager, events: StoredEvent[], context: ProjectionContext): Promise<void>;
}

export interface ProjectionContext {
  /** False while rebuilding from history: no live notifications (presence, revocations) then. */
  live: boolean;
}

export interface Column {
  name: string;
  /** PostgreSQL type of the column's array parameter, e.g. `text`, `int`, `jsonb`. */
  type: string;
}

/**
 * `SELECT * FROM unnest($1::text[], $2::int[], …) AS t(a, b, …)`: turns column arrays into
 * rows, so one statement writes a whole batch.
 */
export function unnestRows(columns: Column[], rows: unknown[][]): { sql: string; params: unknown[][] } {
  const params = columns.map((_, i) => rows.map((row) => row[i]));
  const casts = columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
  return { sql: `SELECT * FROM unnest(${casts}) AS t(${columns.map((c) => c.name).join(', ')})`, params };
}

export function eventsOfType<T extends { type: string }>(events: StoredEvent[], ...types: T['type'][]): (T & StoredEvent)[] {
  return events.filter((e) => (types as string[]).includes(e.type)) as unknown as (T & StoredEvent)[];
}
