import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Api, registerUser, sendText } from '../support/client.js';
import { freePort } from '../support/ports.js';

const entry = path.resolve('dist/apps/embedded/src/main.js');
const dataDir = path.resolve('.data', `embedded-test-${process.pid}`);

interface Started {
  child: ChildProcess;
  stdout: string;
  exited: Promise<number | null>;
}

/** Runs what `npm start` runs (after its build step), as a separate process. */
async function start(port: number, pgPort: number): Promise<Started> {
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, PORT: String(port), EMBEDDED_POSTGRES_PORT: String(pgPort), DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started: Started = { child, stdout: '', exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
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
