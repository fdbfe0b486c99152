import { startEmbeddedPostgres } from '/work/main/dist/libs/platform/src/embedded-postgres.js';
import { PostgresEventStore } from '/work/main/dist/libs/event-store/src/postgres/postgres-event-store.js';
import { createReadModelDataSource } from '/work/main/dist/libs/read-models/src/data-source.js';
import { Projector, allProjections } from '/work/main/dist/libs/projections/src/projector.js';
import pg from 'pg';
const pgs = await startEmbeddedPostgres({ dataDir: '/work/main/.data/projbench', port: 55499, password: 'x', durable: true });
await pgs.createDatabase('b');
const url = pgs.connectionString('b');
const pool = new pg.Pool({ connectionString: url, max: 10 });
await PostgresEventStore.migrate(pool);
const store = new PostgresEventStore(pool);
const db = createReadModelDataSource(url, 5); await db.initialize(); await db.runMigrations();
const N = Number(process.env.N ?? 10000);
const now = new Date().toISOString();
let t = Date.now();
const batch = [];
for (let i = 0; i < N; i++) {
  const a = `u${i % 1000}`, b = `u${(i + 1) % 1000}`;
  batch.push(store.append(`conversation-d${i % 500}`, [{ type: 'MessageSent', data: { messageId: `m${i}`, conversationId: `d${i % 500}`, conversationType: 'direct', seq: Math.floor(i / 500) + 1, senderId: a, senderDeviceId: 'x', recipientIds: [b], clientMsgId: `c${i}`, kind: 'text', body: 'hello world '.repeat(4), mediaId: null, replyTo: null, forwardOf: null, sentAt: now } }], 'any'));
}
await Promise.all(batch);
console.log('append', N, Date.now() - t, 'ms');
const timings = {};
const projections = allProjections().map((p) => ({ name: p.name, tables: p.tables, apply: async (tx, ev, ctx) => { const s = performance.now(); await p.apply(tx, ev, ctx); timings[p.name] = (timings[p.name] ?? 0) + performance.now() - s; } }));
const projector = new Projector(db, store, projections);
for (const bs of [Number(process.env.BS ?? 50)]) {
  t = Date.now();
  await projector.catchUp(bs, true);
  console.log('project batch', bs, Date.now() - t, 'ms', JSON.stringify(Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)]))));
}
await store.close(); await pool.end(); await db.destroy(); await pgs.stop();
