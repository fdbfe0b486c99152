import { Inject, Module, OnModuleDestroy } from '@nestjs/common';
import { AuditLog } from '../../../audit/src/audit-log.js';
import { AuditorDirectory } from '../../../audit/src/auditors.js';
import { LiveTail } from '../../../audit/src/live-tail.js';
import { ReplayQuery } from '../../../audit/src/replay.js';
import { ConversationHistory } from '../../../audit/src/state-as-of.js';
import { RoleTokens } from '../../../auth/src/role-tokens.js';
import { EVENT_STORE, EventStore } from '../../../event-store/src/event-store.port.js';
import { RUNTIME } from '../../../platform/src/platform.module.js';
import type { Runtime } from '../../../platform/src/runtime.js';
import { Clock, CLOCK } from '../../../domain/src/clock.js';
import { AuditController } from './audit.controller.js';
import { AuditGuard, AuditReadInterceptor } from './audit.guard.js';

/** Live tails end before the HTTP server closes (it would wait for them) and before the store closes. */
class LiveTailLifecycle implements OnModuleDestroy {
  constructor(@Inject(LiveTail) private readonly tails: LiveTail) {}
  onModuleDestroy() {
    return this.tails.closeAll();
  }
}

/** /v1/audit: replay, state as of a time, the audit log and the live tail (docs/audit.md). */
@Module({
  controllers: [AuditController],
  providers: [
    { provide: RoleTokens, inject: [RUNTIME], useFactory: (runtime: Runtime) => new RoleTokens(runtime.secrets.jwtSecret) },
    { provide: AuditorDirectory, inject: [EVENT_STORE, CLOCK], useFactory: (store: EventStore, clock: Clock) => new AuditorDirectory(store, clock) },
    { provide: AuditLog, inject: [EVENT_STORE, CLOCK], useFactory: (store: EventStore, clock: Clock) => new AuditLog(store, clock) },
    { provide: ReplayQuery, inject: [EVENT_STORE], useFactory: (store: EventStore) => new ReplayQuery(store) },
    { provide: ConversationHistory, inject: [EVENT_STORE], useFactory: (store: EventStore) => new ConversationHistory(store) },
    { provide: LiveTail, inject: [EVENT_STORE], useFactory: (store: EventStore) => new LiveTail(store) },
    LiveTailLifecycle,
    AuditGuard,
    AuditReadInterceptor,
  ],
})
export class AuditModule {}
