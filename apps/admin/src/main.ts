import path from 'node:path';
import pg from 'pg';
import { ADMIN_USAGE, runAdminCommand, UsageError } from '../../../libs/audit/src/admin-commands.js';
import { RoleTokens } from '../../../libs/auth/src/role-tokens.js';
import { ConfigError, loadConfig, requireSecrets } from '../../../libs/platform/src/config.js';
import { runningPostgresPort, startEmbeddedPostgres, RunningPostgres } from '../../../libs/platform/src/embedded-postgres.js';
import { openEventStore } from '../../../libs/platform/src/event-store-selection.js';
import { loadOrCreateSecrets } from '../../../libs/platform/src/secrets.js';
import { runRebuildCommand } from '../../../libs/projections/src/rebuild-command.js';

/**
 * `npm run admin -- <command>`: operator commands (auditors, projection rebuilds). Talks to the event store
 * directly, like the apps do:
 * - split/distributed (DATABASE_URL set): that PostgreSQL (or EventStoreDB with
 *   EVENT_STORE=eventstoredb), secrets from JWT_SECRET / ID_SECRET;
 * - embedded (default): the embedded PostgreSQL of DATA_DIR. If `npm start` is running, its
 *   server is used; otherwise it is started for the command and stopped after.
 */
async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.length === 0 || args[0] === '--help' || args[0] === 'help') {
    process.stdout.write(ADMIN_USAGE + '\n');
    return args.length === 0 ? 1 : 0;
  }
  const config = loadConfig();
  let secrets: { jwtSecret: string; masterKey: string };
  let databaseUrl: string | undefined = config.DATABASE_URL;
  let embedded: RunningPostgres | undefined;
  if (databaseUrl) {
    secrets = requireSecrets(config);
  } else {
    const dataDir = path.resolve(config.DATA_DIR);
    const stored = await loadOrCreateSecrets(dataDir, config);
    secrets = stored;
    // A running `npm start` may use another port than this shell's settings: its data folder says which.
    const port = (await runningPostgresPort(path.join(dataDir, 'postgres'))) ?? config.EMBEDDED_POSTGRES_PORT;
    const url = `postgres://messenger:${encodeURIComponent(stored.databasePassword)}@localhost:${port}/messenger`;
    if (await reachable(url)) {
      databaseUrl = url;
    } else {
      process.stderr.write(`(starting the embedded PostgreSQL in ${path.join(dataDir, 'postgres')} for this command)\n`);
      embedded = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port: config.EMBEDDED_POSTGRES_PORT, password: stored.databasePassword, durable: true });
      await embedded.createDatabase('messenger');
      databaseUrl = embedded.connectionString('messenger');
    }
  }

  const eventStore = await openEventStore(config, databaseUrl!, secrets.masterKey, { connections: 2 });
  const store = eventStore.store;
  try {
    if (args[0] === 'rebuild') {
      const result = await runRebuildCommand(args.slice(1), { databaseUrl: databaseUrl!, store });
      process.stdout.write(`${JSON.stringify({ ...result, switchedAt: result.switchedAt.toString() })}\n`);
      return 0;
    }
    process.stdout.write(await runAdminCommand(args, { store, tokens: new RoleTokens(secrets.jwtSecret) }));
    return 0;
  } finally {
    await eventStore.close();
    await embedded?.stop();
  }
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    await client.end().catch(() => undefined);
    return false;
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof UsageError) process.stderr.write(`${error.message}\n\n${ADMIN_USAGE}\n`);
    else if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
    else process.stderr.write(`admin: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof UsageError || error instanceof ConfigError ? 2 : 1);
  },
);
