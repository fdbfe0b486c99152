import { beforeEach, describe, expect, it } from 'vitest';
import { CallEvent, streams } from '../../domain/src/index.js';
import { InMemoryEventLog } from '../../event-store/src/memory/in-memory-event-store.js';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { AggregateStore } from '../src/aggregate-store.js';
import { CallsHandler } from '../src/calls.handler.js';
import { GroupCommandsHandler } from '../src/group-commands.handler.js';
import { UserDirectory } from '../src/user-directory.js';
import { eventsIn, noReadModel, RecordingEventStore, registerUsers } from './fixtures.js';

/**
 * Busy and the placing limit are decided on each user's call line in the event store: no read
 * model is given here, and two handlers with caches of their own stand for two processes.
 */
describe('CallsHandler: call lines', () => {
  const clock = new ManualClock();
  let store: RecordingEventStore;
  let processA: CallsHandler;
  let processB: CallsHandler;
  let groupOf: (...members: string[]) => Promise<string>;

  beforeEach(async () => {
    const log = new InMemoryEventLog();
    store = new RecordingEventStore(log);
    processA = new CallsHandler(new AggregateStore(store), clock);
    processB = new CallsHandler(new AggregateStore(new RecordingEventStore(log)), clock);
    await registerUsers(store, 'alice', 'bob', 'carol', 'dave');
    const groups = new GroupCommandsHandler(new AggregateStore(store), new UserDirectory(store, noReadModel), 8, clock);
    groupOf = async (creator, ...others) => (await groups.create(creator, 'chat', others)).groupId;
  });
  const caller = (userId: string) => ({ userId, deviceId: `${userId}-phone` });
  const types = (events: CallEvent[]) => events.map((e) => e.type);

  it('a call to someone in another call is busy at once, and rings them again once that call ends', async () => {
    const [aliceBob, carolBob] = [await groupOf('alice', 'bob'), await groupOf('carol', 'bob')];
    await processA.start(caller('alice'), aliceBob, 'c1', 'audio');
    await processA.answer('bob', 'bob-phone', aliceBob, 'c1');

    const busy = await processB.start(caller('carol'), carolBob, 'c2', 'audio');
    expect(busy.map((e) => [e.type, e.type === 'CallStarted' ? e.data.busy : e.type === 'CallEnded' ? e.data.reason : null])).toEqual([['CallStarted', ['bob']], ['CallEnded', 'busy']]);

    await processA.hangUp('alice', aliceBob, 'c1');
    clock.advance(1_000);
    expect(types(await processB.start(caller('carol'), carolBob, 'c3', 'audio'))).toEqual(['CallStarted']);
  });

  it('two answers to two calls at once, on two processes: one takes the line, the other is refused', async () => {
    const [aliceBob, carolBob] = [await groupOf('alice', 'bob'), await groupOf('carol', 'bob')];
    await processA.start(caller('alice'), aliceBob, 'c1', 'video');
    await processB.start(caller('carol'), carolBob, 'c2', 'video');

    const answers = await Promise.allSettled([processA.answer('bob', 'bob-phone', aliceBob, 'c1'), processB.answer('bob', 'bob-laptop', carolBob, 'c2')]);
    expect(answers.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    expect(answers.find((a) => a.status === 'rejected')).toMatchObject({ reason: { code: 'already_in_call' } });
    const answered = [...(await eventsIn(store, streams.conversation(aliceBob))), ...(await eventsIn(store, streams.conversation(carolBob)))].filter((e) => e.type === 'CallAnswered');
    expect(answered).toHaveLength(1);
  });

  it('a line taken to answer holds while the answer is on its way', async () => {
    const [aliceBob, carolBob] = [await groupOf('alice', 'bob'), await groupOf('carol', 'bob')];
    await processA.start(caller('alice'), aliceBob, 'c1', 'video');
    await processB.start(caller('carol'), carolBob, 'c2', 'video');
    // Process A has taken Bob's line to answer c1, and not yet recorded the answer.
    await store.append(streams.callLine('bob'), [{ type: 'CallLineTaken', data: { userId: 'bob', callId: 'c1', conversationId: aliceBob, role: 'callee', at: clock.now().toISOString() } }], 0);
    await expect(processB.answer('bob', 'bob-laptop', carolBob, 'c2')).rejects.toMatchObject({ code: 'already_in_call' });
    expect(await processA.answer('bob', 'bob-phone', aliceBob, 'c1')).toMatchObject({ events: [{ type: 'CallAnswered' }], people: ['alice', 'bob'] });
  });

  it('two calls placed at once by one user, on two processes: one rings, the other is refused', async () => {
    const [aliceBob, aliceCarol] = [await groupOf('alice', 'bob'), await groupOf('alice', 'carol')];
    const placed = await Promise.allSettled([processA.start(caller('alice'), aliceBob, 'c1', 'audio'), processB.start({ userId: 'alice', deviceId: 'alice-tablet' }, aliceCarol, 'c2', 'audio')]);
    expect(placed.filter((p) => p.status === 'fulfilled')).toHaveLength(1);
    expect(placed.find((p) => p.status === 'rejected')).toMatchObject({ reason: { code: 'already_in_call' } });
  });

  it('a refused call leaves the line free; a line whose call never started frees itself after the pending time', async () => {
    const aliceBob = await groupOf('alice', 'bob');
    const outsiders = await groupOf('carol', 'dave');
    await expect(processA.start(caller('alice'), outsiders, 'c0', 'audio')).rejects.toMatchObject({ code: 'not_a_participant' });
    expect(await eventsIn(store, streams.callLine('alice'))).toEqual([]);

    // A process took Alice's line for a call and died before starting it.
    await store.append(streams.callLine('alice'), [{ type: 'CallLineTaken', data: { userId: 'alice', callId: 'lost', conversationId: aliceBob, role: 'caller', at: clock.now().toISOString() } }], 0);
    await expect(processB.start(caller('alice'), aliceBob, 'c1', 'audio')).rejects.toMatchObject({ code: 'already_in_call' });
    clock.advance(10_000);
    expect(types(await processB.start(caller('alice'), aliceBob, 'c1', 'audio'))).toEqual(['CallStarted']);
  });

  it('counts calls placed on every process against one limit per user', async () => {
    const aliceBob = await groupOf('alice', 'bob');
    for (let i = 0; i < 10; i++) {
      const process = i % 2 ? processA : processB;
      await process.start(caller('alice'), aliceBob, `c${i}`, 'audio');
      await process.hangUp('alice', aliceBob, `c${i}`);
      clock.advance(1_000);
    }
    await expect(processA.start(caller('alice'), aliceBob, 'c10', 'audio')).rejects.toMatchObject({ code: 'call_rate_limited', details: { retryAfterSeconds: 50 } });
  });
});
