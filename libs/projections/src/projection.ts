import type { EntityManager } from 'typeorm';
import type { StoredEvent } from '../../event-store/src/event-store.port.js';
import type { ProjectionName } from '../../read-models/src/tables.js';
import type { DomainEvent, DomainEventType } from '../../domain/src/events.js';
import type { EventOfType } from '../../domain/src/event-types.js';

/**
 * A projection folds events into its read-model tables. `apply` runs inside the projector's
 * transaction, together with the projection's checkpoint; it must be set-based (a few
 * statements per batch, not per event) and give the same rows whatever the batch boundaries.
 */
export interface Projection {
  /** Names its checkpoint and, in PROJECTION_TABLES, the tables it owns (a rebuild empties them). */
  readonly name: ProjectionName;
  /** The event types this projection reads: the projector gives `apply` these and no others. */
  readonly handles: readonly DomainEventType[];
  /** Declared by each projection as `apply(db, events: HandledBy<ThisProjection>[], …)`. */
  apply(db: EntityManager, events: StoredEvent<DomainEvent>[], context: ProjectionContext): Promise<void>;
}

/** The events a projection's `apply` is given: those of the types it `handles`. */
export type HandledBy<P extends Pick<Projection, 'handles'>> = StoredEvent<EventOfType<P['handles'][number]>>;

export interface ProjectionContext {
  /** False while rebuilding from history: no live notifications (presence, revocations) then. */
  live: boolean;
  /**
   * Destroys the data keys of these erased items — messages, and media nothing names any more
   * (live only: a rebuild replays erasures whose keys are gone already). The command that erased
   * a message destroyed its key too; doing it again here, for every erasure in the log, finishes
   * one a crash interrupted in between.
   */
  destroyKeys(keyIds: string[]): Promise<void>;
}

export interface Column<Row> {
  name: keyof Row & string;
  /** PostgreSQL type of the column's array parameter, e.g. `text`, `int`, `jsonb`. */
  type: string;
}

/**
 * `SELECT * FROM unnest($1::text[], $2::int[], …) AS t(a, b, …)`: turns rows into column
 * arrays and back, so one statement writes a whole batch.
 */
export function unnestRows<Row>(columns: Column<Row>[], rows: Row[]): { sql: string; params: unknown[][] } {
  const params = columns.map((c) => rows.map((row) => row[c.name]));
  const casts = columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
  return { sql: `SELECT * FROM unnest(${casts}) AS t(${columns.map((c) => c.name).join(', ')})`, params };
}
