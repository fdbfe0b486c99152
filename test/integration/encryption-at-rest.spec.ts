// Message bodies are sealed in the event store with a key per message (docs/decisions.md, crypto-shredding).
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { sendText } from '../support/client.js';
import { useTestSystem } from '../support/harness.js';

const t = useTestSystem();

describe('message bodies at rest', () => {
  it('are stored sealed in the event log, each with its own key in the vault, and read back as sent', async () => {
    const [alice, bob] = await t.users(2, { known: false });
    const body = `rendezvous at the old mill ${Date.now()}`;
    const sent = await sendText(t.api(), alice, bob, body);
    const client = new pg.Client({ connectionString: t.system.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT data FROM es_events WHERE type = 'MessageSent' AND data->>'messageId' = $1`, [sent.messageId]);
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows[0].data)).not.toContain('rendezvous');
      expect(rows[0].data.body).toEqual({ $sealed: expect.any(String) });
      const keys = await client.query('SELECT wrapped FROM es_data_keys WHERE key_id = $1', [sent.messageId]);
      expect(keys.rows[0].wrapped).toBeInstanceOf(Buffer);
    } finally {
      await client.end();
    }
    const history = await t.api().get(`/v1/conversations/${sent.conversationId}/messages`, bob.token);
    expect(history.body.map((m: { body: string }) => m.body)).toContain(body);
  });
});
