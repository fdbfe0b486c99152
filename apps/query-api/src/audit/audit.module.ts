import { Inject, Module, OnModuleDestroy } from '@nestjs/common';
import { AuditLog } from '../../../../libs/audit/src/audit-log.js';
import { AuditorDirectory } from '../../../../libs/audit/src/auditors.js';
import { LiveTail } from '../../../../libs/audit/src/live-tail.js';
import { ReplayQuery } from '../../../../libs/audit/src/replay.js';
import { ConversationHistory } from '../../../../libs/audit/src/state-as-of.js';
import { RoleTokens } from '../../../../libs/auth/src/role-tokens.js';
import { Clock, CLOCK } from '../../../../libs/domain/src/clock.js';
import { EVENT_STORE, EventStore } from '../../../../libs/event-store/src/event-store.port.js';
import { RUNTIME } from '../../../../libs/platform/src/platform.module.js';
import type { Runtime } from '../../../../libs/platform/src/runtime.js';
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
