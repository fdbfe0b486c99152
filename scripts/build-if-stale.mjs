// Builds only what is older than its sources, so `npm run admin`, `npm start` and friends start in
// about a second when nothing changed (a full build takes ~10 s): the server (tsc into dist/) and
// the web client (Vite into dist/web/), each with its own stamp.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const LOCKS = ['package.json', 'package-lock.json'];
const TARGETS = [
  {
    name: 'server',
    stamp: 'dist/.built',
    sources: ['apps', 'libs', 'bench'],
    extensions: ['.ts'],
    configs: ['tsconfig.json', 'tsconfig.build.json', ...LOCKS],
    command: ['npx', 'tsc', '-p', 'tsconfig.build.json'],
  },
  {
    name: 'web client',
    stamp: 'dist/web/.built',
    sources: ['web', 'libs/client'],
    extensions: ['.ts', '.tsx', '.css', '.html'],
    configs: LOCKS,
    command: ['npx', 'vite', 'build', 'web', '--logLevel', 'warn'],
  },
];

function newest(dir, extensions) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(full, extensions));
    else if (extensions.some((extension) => entry.name.endsWith(extension))) latest = Math.max(latest, statSync(full).mtimeMs);
  }
  return latest;
}

const mtime = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
};

for (const target of TARGETS) {
  const sources = Math.max(...target.sources.map((dir) => newest(dir, target.extensions)), ...target.configs.map(mtime));
  if (mtime(target.stamp) >= sources && process.env.FORCE_BUILD !== '1') continue;
  const started = Date.now();
  const [command, ...args] = target.command;
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`building the ${target.name} failed\n`);
    process.exit(result.status ?? 1);
  }
  // Stamped with the build's start: a source saved while it ran is newer, so the next run builds again.
  writeFileSync(target.stamp, new Date(started).toISOString() + '\n');
  utimesSync(target.stamp, new Date(started), new Date(started));
}
