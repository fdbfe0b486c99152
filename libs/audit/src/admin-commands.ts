import { ROLES, Role, RoleTokens } from '../../auth/src/role-tokens.js';
import { DomainError } from '../../domain/src/errors.js';
import type { EventStore } from '../../event-store/src/event-store.port.js';
import { AuditorDirectory } from './auditors.js';

export const ADMIN_USAGE = `Usage: npm run admin -- <command>

  create-auditor NAME [--ttl 90d]     record a new auditor; prints its token
  create-analytics NAME [--ttl 90d]   record an analytics consumer (live tail, redacted CloudEvents only); prints its token
  token NAME [--ttl 90d]              a new token for an existing auditor or analytics consumer
  list-auditors                       every auditor and analytics consumer, as JSON lines
  rebuild [PROJECTION ...]            rebuild projections (all if none named) from the history while
                                      the system serves; switches over when caught up

Tokens are JWTs signed with JWT_SECRET (in embedded mode, .data/secrets.json). Use them as
"Authorization: Bearer <token>" on /v1/audit routes (docs/audit.md).`;

export class UsageError extends Error {}

/**
 * The operator commands behind `npm run admin` (apps/admin/src/main.ts connects the store).
 * Returns what to print on stdout.
 */
export async function runAdminCommand(args: string[], deps: { store: EventStore; tokens: RoleTokens }): Promise<string> {
  const [command, ...rest] = args;
  const ttlAt = rest.indexOf('--ttl');
  const ttl = ttlAt >= 0 ? rest[ttlAt + 1] : '90d';
  if (ttlAt >= 0 && (!ttl || !/^\d+\s*[a-z]+$/i.test(ttl))) throw new UsageError('--ttl needs a time span such as 30d or 12h');
  const positional = rest.filter((_, i) => ttlAt < 0 || (i !== ttlAt && i !== ttlAt + 1));
  const directory = new AuditorDirectory(deps.store);
  const nameArg = () => {
    if (positional.length !== 1) throw new UsageError(`${command} needs exactly one NAME`);
    return positional[0];
  };
  try {
    switch (command) {
      case 'create-auditor':
      case 'create-analytics': {
        const role: Role = command === 'create-auditor' ? 'auditor' : 'analytics';
        const created = await directory.create(nameArg(), role);
        return (await deps.tokens.issue({ name: created.name, role: created.role }, ttl)) + '\n';
      }
      case 'token': {
        const name = nameArg();
        const found = await directory.find(name);
        if (!found) throw new UsageError(`no auditor or analytics consumer named "${name}"`);
        return (await deps.tokens.issue({ name: found.name, role: found.role }, ttl)) + '\n';
      }
      case 'list-auditors':
        if (positional.length > 0) throw new UsageError('list-auditors takes no arguments');
        return (await directory.list()).map((a) => JSON.stringify(a) + '\n').join('');
      default:
        throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
    }
  } catch (error) {
    if (error instanceof DomainError) throw new UsageError(error.message);
    throw error;
  }
}

export { ROLES };
