// Starting and stopping the embedded server (one process with its own PostgreSQL).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BenchConfig } from './config.js';
import { log } from './log.js';

/** Project root: dist/bench/lib/server.js -> ../../.. */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const ENTRY_CANDIDATES = ['dist/apps/embedded/src/main.js', 'dist/apps/embedded/main.js'];

export interface ServerHandle {
  /** e.g. http://127.0.0.1:41234 */
  httpBase: string;
  /** e.g. ws://127.0.0.1:41234 */
  wsBase: string;
  port: number;
  /** Host part clients connect to (127.0.0.1 or ::1). */
  host: string;
  /** PID of the server's node process (null for an external server without BENCH_SERVER_PID). */
  pid: number | null;
  /** The server's DATA_DIR and embedded PostgreSQL port (null for an external server). */
  dataDir: string | null;
  postgresPort: number | null;
  alive(): boolean;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('could not get a free port'))));
    });
  });
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(2000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** Resolve "localhost" once to the address the server actually accepts on. */
async function pickHost(port: number): Promise<string> {
  if (await canConnect('127.0.0.1', port)) return '127.0.0.1';
  if (await canConnect('::1', port)) return '::1';
  throw new Error(`server said it listens on port ${port} but neither 127.0.0.1 nor ::1 accepts connections`);
}

/** PID of a running postmaster whose postmaster.pid lies in dir or one level below, else null. */
function livePostmaster(dir: string): number | null {
  const candidates = [path.join(dir, 'postmaster.pid')];
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) candidates.push(path.join(dir, e.name, 'postmaster.pid'));
  } catch {
    return null;
  }
  for (const file of candidates) {
    let pid: number;
    try {
      pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
    } catch {
      continue;
    }
    if (!pid) continue;
    try {
      process.kill(pid, 0);
      return pid;
    } catch {
      /* not running */
    }
  }
  return null;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function connectExternal(cfg: BenchConfig): Promise<ServerHandle> {
  const url = new URL(cfg.serverUrl!);
  const port = Number(url.port || 80);
  const host = url.hostname === 'localhost' ? await pickHost(port) : url.hostname.replace(/^\[|\]$/g, '');
  const h = urlHost(host);
  return {
    httpBase: `http://${h}:${port}`,
    wsBase: `ws://${h}:${port}`,
    port,
    host,
    pid: cfg.serverPid,
    dataDir: null,
    postgresPort: null,
    alive: () => true,
    stop: async () => {},
  };
}

export async function startServer(cfg: BenchConfig): Promise<ServerHandle> {
  const entry = cfg.serverEntry
    ? path.resolve(projectRoot, cfg.serverEntry)
    : ENTRY_CANDIDATES.map((p) => path.join(projectRoot, p)).find((p) => existsSync(p));
  if (!entry || !existsSync(entry)) {
    throw new Error(`server entry not found (tried ${cfg.serverEntry ?? ENTRY_CANDIDATES.join(', ')}); did the build succeed?`);
  }
  const dataRoot = path.join(projectRoot, '.data');
  mkdirSync(dataRoot, { recursive: true, mode: 0o755 });
  chmodSync(dataRoot, 0o755); // embedded PostgreSQL runs as another user: every parent must be readable
  const dataDir = mkdtempSync(path.join(dataRoot, 'bench-'));
  chmodSync(dataDir, 0o755);
  const port = await freePort();
  let pgPort = await freePort();
  while (pgPort === port) pgPort = await freePort();

  log(`starting server ${path.relative(projectRoot, entry)} on port ${port} (PostgreSQL ${pgPort}, data ${path.relative(projectRoot, dataDir)})`);
  const started = performance.now();
  // e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof": where the server's time goes (NODE_OPTIONS refuses --cpu-prof).
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, entry], {
    cwd: projectRoot,
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(pgPort), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exited = false;
  let exitInfo = '';
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      exitInfo = signal ? `signal ${signal}` : `code ${code}`;
      log(`server process exited (${exitInfo})`);
      resolve();
    });
  });

  const tail: string[] = [];
  const remember = (line: string) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
  };
  let onLine: ((line: string) => void) | null = null;
  for (const [stream, name] of [[child.stdout!, 'out'], [child.stderr!, 'err']] as const) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      remember(line);
      process.stderr.write(`[server ${name}] ${line}\n`);
      onLine?.(line);
    });
  }

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    if (stopping) return stopping;
    stopping = (async () => {
      if (!exited) {
        log('stopping server (SIGTERM)');
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exitPromise, new Promise<void>((r) => (timer = setTimeout(r, cfg.serverStopTimeoutS * 1000)))]);
        clearTimeout(timer);
      }
      if (!exited) {
        // Never SIGKILL: that would orphan the embedded PostgreSQL. Leave the data for inspection.
        log(`WARNING: server pid ${child.pid} did not exit ${cfg.serverStopTimeoutS}s after SIGTERM; leaving it and its data dir ${dataDir}`);
        return;
      }
      // the embedded PostgreSQL may still be finishing its shutdown
      const deadline = Date.now() + 15_000;
      let pg = livePostmaster(dataDir);
      while (pg !== null && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        pg = livePostmaster(dataDir);
      }
      if (pg !== null) {
        log(`WARNING: PostgreSQL pid ${pg} of ${dataDir} still runs after the server exited (orphaned?); keeping the data dir`);
        return;
      }
      if (cfg.keepDataDir) log(`keeping data dir ${dataDir}`);
      else rmSync(dataDir, { recursive: true, force: true });
    })();
    return stopping;
  };

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`server did not print "listening on http://localhost:${port}" within ${cfg.serverStartTimeoutS}s`)),
        cfg.serverStartTimeoutS * 1000,
      );
      onLine = (line) => {
        const m = /listening on http:\/\/localhost:(\d+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          if (Number(m[1]) !== port) log(`WARNING: server says port ${m[1]}, we asked for ${port}`);
          resolve();
        }
      };
      void exitPromise.then(() => {
        clearTimeout(timer);
        reject(new Error(`server exited (${exitInfo}) before it was ready; last output:\n${tail.join('\n')}`));
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }
  onLine = null;
  const host = await pickHost(port);
  log(`server ready in ${((performance.now() - started) / 1000).toFixed(1)}s, pid ${child.pid}, clients use ${host}`);
  const h = urlHost(host);
  return {
    httpBase: `http://${h}:${port}`,
    wsBase: `ws://${h}:${port}`,
    port,
    host,
    pid: child.pid ?? null,
    dataDir,
    postgresPort: pgPort,
    alive: () => !exited,
    stop,
  };
}
