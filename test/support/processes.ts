import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './ports.js';
import { TEST_SECRETS } from './system.js';

export type AppName = 'command-api' | 'query-api' | 'projector';

export interface AppProcess {
  name: AppName;
  port: number;
  url: string;
  child: ChildProcess;
  output: string[];
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts one app of the split deployment as its own Node process, from the built `dist/`. */
export async function spawnApp(name: AppName, databaseUrl: string, env: Record<string, string> = {}): Promise<AppProcess> {
  const entry = path.resolve('dist', 'apps', name, 'src', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first (npm test does)`);
  const port = await freePort();
  const child = spawn(process.execPath, [entry], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      JWT_SECRET: TEST_SECRETS.jwtSecret,
      MASTER_KEY: TEST_SECRETS.masterKey,
      ID_SECRET: TEST_SECRETS.idSecret,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stderr!.on('data', (chunk) => output.push(String(chunk)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 30 s:\n${output.join('')}`)), 30_000);
    child.stdout!.on('data', (chunk) => {
      output.push(String(chunk));
      if (/listening on/.test(String(chunk))) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening:\n${output.join('')}`));
    });
  });
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    output,
    kill: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
