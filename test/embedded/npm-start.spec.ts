import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Api, FeedClient, registerUser, sendText } from '../support/client.js';
import { freePort } from '../support/ports.js';

const entry = path.resolve('dist/apps/embedded/src/main.js');
const dataDir = path.resolve('.data', `embedded-test-${process.pid}`);

interface Started {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

/** Runs what `npm start` runs (after its build step), as a separate process (in a process group of its own with `detached`). */
async function start(port: number, pgPort: number, options: { detached?: boolean; logLevel?: string } = {}): Promise<Started> {
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, PORT: String(port), EMBEDDED_POSTGRES_PORT: String(pgPort), DATA_DIR: dataDir, LOG_LEVEL: options.logLevel ?? 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  const started: Started = { child, stdout: '', stderr: '', exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  child.stderr!.on('data', (chunk) => (started.stderr += chunk));
  const stderr = { toString: () => started.stderr };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not listening after 60 s:\n${started.stdout}\n${stderr}`)), 60_000);
    child.stdout!.on('data', (chunk) => {
      started.stdout += chunk;
      if (started.stdout.includes('/docs')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void started.exited.then((code) => reject(new Error(`exited with ${code}:\n${stderr}`)));
  });
  return started;
}

describe('the embedded system (npm start)', () => {
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves the origin, stops cleanly on Ctrl-C, and keeps its data across restarts, even after a SIGKILL', async () => {
    const [port, pgPort] = [await freePort(), await freePort()];
    const first = await start(port, pgPort);
    expect(first.stdout).toContain(`listening on http://localhost:${port}`);
    expect(first.stdout).toContain(`http://localhost:${port}/docs`);
    const api = new Api(`http://127.0.0.1:${port}`);
    const [alice, bob] = [await registerUser(api), await registerUser(api)];
    const sent = await sendText(api, alice, bob, 'kept across restarts');

    // The operator commands find the running server's database from the data folder, whatever port it chose.
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
    delete env.EMBEDDED_POSTGRES_PORT;
    const admin = spawnSync(process.execPath, [path.resolve('dist/apps/admin/src/main.js'), 'create-auditor', 'ann'], { env, encoding: 'utf8', timeout: 30_000 });
    expect(admin.status, admin.stderr).toBe(0);
    expect(admin.stdout).toMatch(/^eyJ/);

    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    // PostgreSQL stopped with it: its port is free again.
    await expect(portInUse(pgPort)).resolves.toBe(false);

    // A SIGKILL leaves PostgreSQL orphaned; the next start must take over.
    const second = await start(port, pgPort);
    second.child.kill('SIGKILL');
    await second.exited;

    const third = await start(port, pgPort);
    try {
      const history = await api.get(`/v1/conversations/${sent.conversationId}/messages`, bob.token);
      expect(history.status).toBe(200);
      expect(history.body.map((m: { body: string }) => m.body)).toEqual(['kept across restarts']);
      expect((await sendText(api, bob, alice, 'after restart')).seq).toBe(2);
    } finally {
      third.child.kill('SIGTERM');
      expect(await third.exited).toBe(0);
    }
  }, 180_000);

  it.each([
    ['Ctrl-C in a terminal (SIGINT to the whole process group, PostgreSQL included)', 'SIGINT', true],
    ['SIGINT to node alone', 'SIGINT', false],
    ['SIGTERM to node alone', 'SIGTERM', false],
  ] as const)('stops cleanly on %s: exit 0, nothing above info logged, open sockets closed with 1001', async (_how, signal, wholeGroup) => {
    const [port, pgPort] = [await freePort(), await freePort()];
    const server = await start(port, pgPort, { detached: true, logLevel: 'info' });
    const api = new Api(`http://127.0.0.1:${port}`);
    const user = await registerUser(api);
    const socket = await FeedClient.connect(`ws://127.0.0.1:${port}/v1/ws`, user.token);
    process.kill(wholeGroup ? -server.child.pid! : server.child.pid!, signal);
    const code = await server.exited;
    await socket.waitFor(() => socket.closed !== undefined);
    const logLines = (server.stdout + server.stderr).split('\n').filter((line) => line.startsWith('{'));
    expect(logLines.filter((line) => JSON.parse(line).level > 30)).toEqual([]);
    expect(code, server.stdout + server.stderr).toBe(0);
    expect(socket.closed?.code).toBe(1001);
    expect(server.stdout + server.stderr).not.toMatch(/\bat .*\.js:\d+/);
  }, 60_000);

  it('refuses an invalid configuration with a message naming the variable', () => {
    const result = spawnSync(process.execPath, [entry], { env: { ...process.env, PORT: 'not-a-port', DATA_DIR: dataDir }, encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('PORT');
    expect(result.stderr).toContain('Invalid configuration');
  });
});

async function portInUse(port: number): Promise<boolean> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
