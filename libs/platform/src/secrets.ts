import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface Secrets {
  jwtSecret: string;
  idSecret: string;
  /** Wraps the data keys that seal message bodies (base64, 32 bytes); losing it loses every body. */
  masterKey: string;
  databasePassword: string;
}

/**
 * The embedded mode makes its secrets on first start and keeps them beside the data, so a
 * restart keeps tokens and user ids valid. Values set in the environment win.
 */
export async function loadOrCreateSecrets(dataDir: string, env: { JWT_SECRET?: string; ID_SECRET?: string; MASTER_KEY?: string }): Promise<Secrets> {
  const file = path.join(dataDir, 'secrets.json');
  let stored: Partial<Secrets> = {};
  try {
    stored = JSON.parse(await readFile(file, 'utf8')) as Partial<Secrets>;
  } catch {
    // first start
  }
  const secrets: Secrets = {
    jwtSecret: stored.jwtSecret ?? randomBytes(32).toString('base64url'),
    idSecret: stored.idSecret ?? randomBytes(32).toString('base64url'),
    masterKey: stored.masterKey ?? randomBytes(32).toString('base64'),
    databasePassword: stored.databasePassword ?? randomBytes(18).toString('base64url'),
  };
  await mkdir(dataDir, { recursive: true, mode: 0o755 });
  await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return { ...secrets, jwtSecret: env.JWT_SECRET ?? secrets.jwtSecret, idSecret: env.ID_SECRET ?? secrets.idSecret, masterKey: env.MASTER_KEY ?? secrets.masterKey };
}
