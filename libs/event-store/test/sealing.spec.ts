import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/database.js';
import { InMemoryEventStore } from '../src/memory/in-memory-event-store.js';
import { PostgresEventStore } from '../src/postgres/postgres-event-store.js';
import { PostgresKeyVault } from '../src/postgres/postgres-key-vault.js';
import { InMemoryKeyVault, type KeyVault } from '../src/sealing/key-vault.js';
import { KeyDestroyedError, SealingEventStore, type SealingRule } from '../src/sealing/sealing-event-store.js';

const RULES: Record<string, SealingRule> = {
  Said: { keyField: 'itemId', fields: ['text'], createsKey: true },
  Amended: { keyField: 'itemId', fields: ['text'], createsKey: false },
};
const masterKey = randomBytes(32);

function sealed(vault: KeyVault = new InMemoryKeyVault()) {
  const raw = new InMemoryEventStore();
  return { raw, vault, store: new SealingEventStore(raw, vault, masterKey, RULES) };
}

describe('SealingEventStore (crypto-shredding)', () => {
  it('stores personal fields sealed and gives them back open on every read path', async () => {
    const { raw, store } = sealed();
    await store.append('s-1', [{ type: 'Said', data: { itemId: 'i1', text: 'meet at 8', other: 'plain' } }], 0);
    const [stored] = await raw.readStream('s-1');
    expect(JSON.stringify(stored.data)).not.toContain('meet at 8');
    expect(stored.data.other).toBe('plain');
    expect((await store.readStream('s-1'))[0].data).toEqual({ itemId: 'i1', text: 'meet at 8', other: 'plain' });
    expect((await store.readAll(0n, 10))[0].data.text).toBe('meet at 8');
  });

  it('seals later events about an item with the item’s key, and refuses them once it is destroyed', async () => {
    const { store } = sealed();
    await store.append('s-1', [{ type: 'Said', data: { itemId: 'i1', text: 'v1' } }], 0);
    await store.append('s-1', [{ type: 'Amended', data: { itemId: 'i1', text: 'v2' } }], 1);
    expect((await store.readStream('s-1')).map((e) => e.data.text)).toEqual(['v1', 'v2']);
    await store.destroy(['i1']);
    await expect(store.append('s-1', [{ type: 'Amended', data: { itemId: 'i1', text: 'v3' } }], 2)).rejects.toBeInstanceOf(KeyDestroyedError);
  });

  it('erases an item for every reader once its key is destroyed, including a fresh process with a cold cache; other items stay', async () => {
    const { raw, vault, store } = sealed();
    await store.append('s-1', [{ type: 'Said', data: { itemId: 'gone', text: 'secret' } }, { type: 'Said', data: { itemId: 'kept', text: 'hello' } }], 0);
    await store.destroy(['gone']);
    const fresh = new SealingEventStore(raw, vault, masterKey, RULES);
    for (const reader of [store, fresh]) {
      const events = await reader.readAll(0n, 10);
      expect(events[0].data).toEqual({ itemId: 'gone', text: null, erased: true });
      expect(events[1].data).toEqual({ itemId: 'kept', text: 'hello' });
    }
  });

  it('a process told of a destruction elsewhere (forget) stops opening the item at once', async () => {
    const { raw, vault, store } = sealed();
    const other = new SealingEventStore(raw, vault, masterKey, RULES);
    await store.append('s-1', [{ type: 'Said', data: { itemId: 'i1', text: 'secret' } }], 0);
    expect((await other.readAll(0n, 10))[0].data.text).toBe('secret');
    await store.destroy(['i1']);
    other.forget(['i1']);
    expect((await other.readAll(0n, 10))[0].data).toMatchObject({ text: null, erased: true });
  });

  it('tells which items are erased from the vault alone, without unwrapping the keys that exist', async () => {
    const { vault, store } = sealed();
    await store.append('s-1', [{ type: 'Said', data: { itemId: 'gone', text: 'x' } }], 0);
    await store.destroy(['gone']);
    // A key this master key cannot unwrap: asking whether it exists must not try.
    await vault.put([{ id: 'foreign', wrapped: randomBytes(60) }]);
    const fresh = new SealingEventStore(new InMemoryEventStore(), vault, masterKey, RULES);
    expect([...(await fresh.erased(['gone', 'foreign', 'gone']))]).toEqual(['gone']);
  });

  it('will not open what another master key sealed', async () => {
    const { raw, vault, store } = sealed();
    await store.append('s-1', [{ type: 'Said', data: { itemId: 'i1', text: 'secret' } }], 0);
    await expect(new SealingEventStore(raw, vault, randomBytes(32), RULES).readAll(0n, 10)).rejects.toThrow();
  });

  it('passes events without rules through untouched', async () => {
    const { raw, store } = sealed();
    await store.append('s-1', [{ type: 'Other', data: { text: 'not personal' } }], 0);
    expect((await raw.readAll(0n, 10))[0].data).toEqual({ text: 'not personal' });
  });
});

describe('PostgresKeyVault', () => {
  let pool: pg.Pool;
  let vault: PostgresKeyVault;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: await createTestDatabase(), max: 3 });
    await PostgresEventStore.migrate(pool);
    await PostgresKeyVault.migrate(pool);
    vault = new PostgresKeyVault(pool, true);
  });

  afterAll(async () => {
    await pool?.end();
  });

  it('keeps keys until destroyed; a destroyed id keeps no bytes and can never hold a key again', async () => {
    const wrapped = randomBytes(60);
    await vault.put([{ id: 'k1', wrapped }, { id: 'k2', wrapped: randomBytes(60) }]);
    expect((await vault.get(['k1', 'k2', 'k3'])).get('k1')).toEqual(wrapped);
    await vault.destroy(['k1', 'never-made']);
    await vault.put([{ id: 'k1', wrapped }, { id: 'never-made', wrapped }]);
    expect([...(await vault.get(['k1', 'k2', 'never-made'])).keys()]).toEqual(['k2']);
    const { rows } = await pool.query(`SELECT key_id FROM es_data_keys WHERE wrapped IS NOT NULL ORDER BY key_id`);
    expect(rows.map((r) => r.key_id)).toEqual(['k2']);
  });

  it('beside the PostgreSQL log, keys are written in the append transaction: a refused append leaves no key, an accepted one its key', async () => {
    const store = new SealingEventStore(new PostgresEventStore(pool), vault, masterKey, RULES);
    await store.append('s-atomic', [{ type: 'Said', data: { itemId: 'accepted', text: 'kept' } }], 0);
    await expect(store.append('s-atomic', [{ type: 'Said', data: { itemId: 'refused', text: 'never' } }], 0)).rejects.toThrow(/expected 0/);
    expect([...(await vault.get(['accepted', 'refused'])).keys()]).toEqual(['accepted']);
    expect((await store.readStream('s-atomic')).map((e) => e.data.text)).toEqual(['kept']);
    await store.close();
  });

  it('announces destructions to other processes in the same transaction', async () => {
    const listener = new pg.Client({ connectionString: pool.options.connectionString });
    await listener.connect();
    await listener.query('LISTEN data_keys_destroyed');
    const heard = new Promise<string>((resolve) => listener.once('notification', (n) => resolve(n.payload!)));
    await vault.destroy(['a', 'b']);
    expect(await heard).toBe('a,b');
    await listener.end();
  });
});
