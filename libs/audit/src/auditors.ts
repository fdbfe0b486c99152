import { Clock, systemClock } from '../../domain/src/clock.js';
import { DomainError, invalid } from '../../domain/src/errors.js';
import type { Role } from '../../auth/src/role-tokens.js';
import { EventStore, WrongExpectedVersionError } from '../../event-store/src/event-store.port.js';

/** Every operator-created role holder is recorded in this one stream: the registry is its fold. */
export const AUDITORS_STREAM = 'auditors';

export interface AuditorCreated {
  type: 'AuditorCreated';
  data: { name: string; role: Role; createdAt: string };
}

export interface RegisteredAuditor {
  name: string;
  role: Role;
  createdAt: string;
}

export interface AuditorRegistry {
  auditors: Map<string, RegisteredAuditor>;
}

export const AUDITOR_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const initialAuditorRegistry = (): AuditorRegistry => ({ auditors: new Map() });

/** Names are unique across roles; one name is one person or system. */
export function decideCreateAuditor(command: { name: string; role: Role; now: Date }, state: AuditorRegistry): AuditorCreated[] {
  if (!AUDITOR_NAME.test(command.name)) {
    throw invalid('invalid_auditor_name', 'a name is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');
  }
  if (state.auditors.has(command.name)) throw new DomainError('conflict', 'auditor_exists', `"${command.name}" exists already`);
  return [{ type: 'AuditorCreated', data: { name: command.name, role: command.role, createdAt: command.now.toISOString() } }];
}

export function evolveAuditorRegistry(state: AuditorRegistry, event: { type: string; data: Record<string, unknown> }): AuditorRegistry {
  if (event.type === 'AuditorCreated') {
    const data = event.data as AuditorCreated['data'];
    state.auditors.set(data.name, { name: data.name, role: data.role, createdAt: data.createdAt });
  }
  return state;
}

/**
 * The registry, read from the event store. Creating appends with the version it decided on
 * (optimistic concurrency), so two operators cannot create one name twice. Lookups are
 * cached; an unknown name re-reads the stream's new events before answering.
 */
export class AuditorDirectory {
  private state = initialAuditorRegistry();
  private version = 0;

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock = systemClock,
  ) {}

  async create(name: string, role: Role): Promise<RegisteredAuditor> {
    for (let attempt = 0; ; attempt++) {
      await this.refresh();
      const events = decideCreateAuditor({ name, role, now: this.clock.now() }, this.state);
      try {
        await this.store.append(AUDITORS_STREAM, events, this.version);
        await this.refresh();
        return this.state.auditors.get(name)!;
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError) || attempt >= 5) throw error;
      }
    }
  }

  async list(): Promise<RegisteredAuditor[]> {
    await this.refresh();
    return [...this.state.auditors.values()];
  }

  async find(name: string): Promise<RegisteredAuditor | undefined> {
    const known = this.state.auditors.get(name);
    if (known) return known;
    await this.refresh();
    return this.state.auditors.get(name);
  }

  private async refresh(): Promise<void> {
    for (const event of await this.store.readStream(AUDITORS_STREAM, this.version)) {
      this.state = evolveAuditorRegistry(this.state, event);
      this.version = event.streamVersion;
    }
  }
}
