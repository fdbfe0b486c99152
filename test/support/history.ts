import { AcknowledgeReceiptHandler } from '../../libs/commands/src/acknowledge-receipt.handler.js';
import { AggregateStore } from '../../libs/commands/src/aggregate-store.js';
import { UserAggregate } from '../../libs/commands/src/aggregates.js';
import { CallsHandler } from '../../libs/commands/src/calls.handler.js';
import { UserDirectory } from '../../libs/commands/src/user-directory.js';
import { createReadModelDataSource } from '../../libs/read-models/src/data-source.js';
import { NO_MEDIA, SendMessageHandler } from '../../libs/commands/src/send-message.handler.js';
import { systemClock } from '../../libs/domain/src/clock.js';
import { decideLogInDevice, deviceConnected, deviceDisconnected, streams } from '../../libs/domain/src/index.js';
import { openTestEventStore } from './event-store.js';

/**
 * Writes a realistic history through the real command handlers (no HTTP): users, direct
 * messages among them, receipts, calls ending every way a call ends, and connections.
 * Returns the head position.
 */
/** Calls placed in the chats of the first messages, one after another. */
const CALLS = 20;

export async function writeHistory(databaseUrl: string, options: { users: number; messages: number }): Promise<bigint> {
  const { store, close } = await openTestEventStore(databaseUrl, 10);
  const closers: (() => Promise<void>)[] = [];
  try {
    const aggregates = new AggregateStore(store);
    const db = createReadModelDataSource(databaseUrl, 3);
    await db.initialize();
    await db.runMigrations();
    closers.push(() => db.destroy());
    const send = new SendMessageHandler(aggregates, new UserDirectory(store, db), NO_MEDIA);
    const receipts = new AcknowledgeReceiptHandler(aggregates);
    const userIds = Array.from({ length: options.users }, (_, i) => `user-${i}`);
    for (const [i, userId] of userIds.entries()) {
      await aggregates.execute(streams.user(userId), UserAggregate, (state) => ({
        events: decideLogInDevice({ userId, phone: `+1415555${String(i).padStart(4, '0')}`, deviceId: `device-${i}`, deviceName: 'bench', now: new Date() }, state),
        result: undefined,
      }));
      await store.append(streams.presence(userId), [deviceConnected(userId, `device-${i}`, `conn-${i}`, new Date())], 'any');
    }
    const chats: { callerId: string; calleeId: string; conversationId: string }[] = [];
    const batch = 50;
    for (let n = 0; n < options.messages; n += batch) {
      await Promise.all(
        Array.from({ length: Math.min(batch, options.messages - n) }, async (_, k) => {
          const i = n + k;
          const from = userIds[i % userIds.length];
          const to = userIds[(i * 7 + 1) % userIds.length === i % userIds.length ? (i + 1) % userIds.length : (i * 7 + 1) % userIds.length];
          const sent = await send.send({ userId: from, deviceId: 'device' }, { clientMsgId: `c-${i}`, to: { userId: to }, kind: 'text', body: `message ${i}` });
          if (i < CALLS) chats[i] = { callerId: from, calleeId: to, conversationId: sent.conversationId };
          if (i % 5 === 0) await receipts.acknowledge(to, sent.conversationId, i % 10 === 0 ? 'read' : 'delivered', sent.seq);
        }),
      );
    }
    const calls = new CallsHandler(aggregates, systemClock);
    for (const [i, { callerId, calleeId, conversationId }] of chats.entries()) {
      const callId = `call-${i}`;
      await calls.start({ userId: callerId, deviceId: 'device' }, conversationId, callId, i % 2 ? 'audio' : 'video');
      if (i % 4 === 0) {
        await calls.answer(calleeId, 'device', conversationId, callId);
        await calls.hangUp(calleeId, conversationId, callId);
      } else if (i % 4 === 1) await calls.decline(calleeId, conversationId, callId);
      else if (i % 4 === 2) await calls.hangUp(callerId, conversationId, callId);
      else await calls.ringTimeout(conversationId, callId);
    }
    for (const [i, userId] of userIds.entries()) {
      if (i % 2 === 0) await store.append(streams.presence(userId), [deviceDisconnected(userId, `device-${i}`, `conn-${i}`, new Date())], 'any');
    }
    return await store.headPosition();
  } finally {
    for (const close of closers) await close();
    await close();
  }
}
