import pg from '/work/main/node_modules/pg/lib/index.js';
const c = new pg.Client({ connectionString: process.argv[2] }); await c.connect();
const { rows } = await c.query(`SELECT calls, round(total_exec_time) AS ms, round(mean_exec_time::numeric, 3) AS mean, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) AS q FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 18`);
for (const r of rows) console.log(r.calls, r.ms, r.mean, r.q);
await c.end();
