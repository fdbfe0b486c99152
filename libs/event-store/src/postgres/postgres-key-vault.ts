import pg from 'pg';
import { KEYS_DESTROYED_CHANNEL, type KeyVault } from '../sealing/key-vault.js';


export const KEY_VAULT_SCHEMA = `
CREATE TABLE IF NOT EXISTS es_data_keys (
  key_id text PRIMARY KEY,
  -- the data key wrapped by the master key; NULL once destroyed
  wrapped bytea,
  destroyed_at timestamptz
);`;

/**
 * The key vault in PostgreSQL (`es_data_keys`). A destroyed key's row stays, emptied, so the id
 * can never hold a key again.
 *
 * `sharesEventLog`: the vault is in the same database as the PostgreSQL event store, which then
 * writes each event's key in the event's own append transaction (no extra round trip, no extra
 * disk flush, never an event without its key). Next to another event store (EventStoreDB) each
 * key is put, durably, before the append.
 */
export class PostgresKeyVault implements KeyVault {
  constructor(
    private readonly pool: pg.Pool,
    readonly storedWithAppends: boolean,
  ) {}

  static async migrate(pool: pg.Pool): Promise<void> {
    await pool.query(KEY_VAULT_SCHEMA);
  }

  async put(keys: { id: string; wrapped: Buffer }[]): Promise<void> {
    if (keys.length === 0) return;
    await this.pool.query({
      name: 'vault-put',
      text: `INSERT INTO es_data_keys (key_id, wrapped) SELECT * FROM unnest($1::text[], $2::bytea[]) ON CONFLICT (key_id) DO NOTHING`,
      values: [keys.map((k) => k.id), keys.map((k) => k.wrapped)],
    });
  }

  async get(ids: string[]): Promise<Map<string, Buffer>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.pool.query<{ key_id: string; wrapped: Buffer }>({
      name: 'vault-get',
      text: 'SELECT key_id, wrapped FROM es_data_keys WHERE key_id = ANY($1) AND wrapped IS NOT NULL',
      values: [ids],
    });
    return new Map(rows.map((row) => [row.key_id, row.wrapped]));
  }

  async destroy(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // An erasure must survive a crash, whatever the connection's default.
      await client.query('SET LOCAL synchronous_commit = on');
      await client.query(
        `INSERT INTO es_data_keys (key_id, wrapped, destroyed_at) SELECT unnest($1::text[]), NULL, now()
         ON CONFLICT (key_id) DO UPDATE SET wrapped = NULL, destroyed_at = coalesce(es_data_keys.destroyed_at, now())`,
        [ids],
      );
      await client.query('SELECT pg_notify($1, $2)', [KEYS_DESTROYED_CHANNEL, ids.join(',')]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
