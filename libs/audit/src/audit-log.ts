import type { Role } from '../../auth/src/role-tokens.js';
import { Clock, systemClock } from '../../domain/src/clock.js';
import type { EventStore } from '../../event-store/src/event-store.port.js';

/** Every audit read is a fact in this stream. */
export const AUDIT_LOG_STREAM = 'audit-log';

export interface AuditRead {
  type: 'AuditRead';
  data: {
    auditor: string;
    role: Role;
    /** The route's template, e.g. `GET /v1/audit/conversations/:conversationId/state`. */
    route: string;
    /** The path as requested, with its ids. */
    path: string;
    query: Record<string, unknown>;
    at: string;
  };
}

export interface AuditReadView extends Omit<AuditRead['data'], never> {
  /** The position of the record in the event log; the cursor of this list. */
  position: string;
}

/**
 * Records audit reads before they are served (an unrecorded read is never answered) and
 * lists them. The list reads the audit-log stream, so it costs O(records after the cursor).
 */
export class AuditLog {
  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock = systemClock,
  ) {}

  async record(read: Omit<AuditRead['data'], 'at'>): Promise<void> {
    const event: AuditRead = { type: 'AuditRead', data: { ...read, at: this.clock.now().toISOString() } };
    await this.store.append(AUDIT_LOG_STREAM, [event], 'any');
  }

  async list(options: { after: bigint; limit: number; auditor?: string }): Promise<{ reads: AuditReadView[]; next: string }> {
    const events = await this.store.readStream(AUDIT_LOG_STREAM);
    const reads: AuditReadView[] = [];
    let next = options.after;
    for (const event of events) {
      if (event.globalPosition <= options.after || event.type !== 'AuditRead') continue;
      if (reads.length >= options.limit) break;
      next = event.globalPosition;
      const data = event.data as AuditRead['data'];
      if (options.auditor !== undefined && data.auditor !== options.auditor) continue;
      reads.push({ position: event.globalPosition.toString(), ...data });
    }
    return { reads, next: next.toString() };
  }
}
