import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock, CLOCK } from '../../domain/src/clock.js';
import { EVENT_STORE, EventStore } from '../../event-store/src/event-store.port.js';
import { AcknowledgeReceiptHandler } from './acknowledge-receipt.handler.js';
import { AggregateStore } from './aggregate-store.js';
import { SendMessageHandler } from './send-message.handler.js';
import { UserDirectory } from './user-directory.js';
import { MediaLibrary } from '../../media/src/media-library.js';
import { MediaModule } from '../../media/src/media.module.js';

/**
 * The aggregate store and the handlers both sides accept commands for: the command-api over
 * HTTP, the query-api's socket (`send` and `receipt` frames). One instance per process.
 */
@Module({
  imports: [MediaModule],
  providers: [
    { provide: AggregateStore, inject: [EVENT_STORE], useFactory: (store: EventStore) => new AggregateStore(store) },
    { provide: UserDirectory, inject: [EVENT_STORE, DataSource], useFactory: (store: EventStore, db: DataSource) => new UserDirectory(store, db) },
    {
      provide: SendMessageHandler,
      inject: [AggregateStore, UserDirectory, MediaLibrary, CLOCK],
      useFactory: (a: AggregateStore, users: UserDirectory, media: MediaLibrary, clock: Clock) => new SendMessageHandler(a, users, media, clock),
    },
    {
      provide: AcknowledgeReceiptHandler,
      inject: [AggregateStore, CLOCK],
      useFactory: (a: AggregateStore, clock: Clock) => new AcknowledgeReceiptHandler(a, clock),
    },
  ],
  exports: [AggregateStore, SendMessageHandler, AcknowledgeReceiptHandler, UserDirectory],
})
export class CommandHandlersModule {}
