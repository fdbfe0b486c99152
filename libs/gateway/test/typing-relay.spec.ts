import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/manual-clock.js';
import type { LocalSockets } from '../src/local-sockets.js';
import { TypingRelay, TypingState } from '../src/typing-relay.js';

/** A relay whose database knows one conversation of Ann and Ben and records what it publishes, as it is published. */
function setUp() {
  const clock = new ManualClock();
  const published: string[] = [];
  const db = {
    query: async (sql: string, params: unknown[]) => {
      if (sql.includes('pg_notify')) return published.push(String(params[1]));
      return [{ members: ['ann', 'ben'], blocked: false }];
    },
  };
  const fence = { readYourWrites: async () => 1n, reach: async () => undefined };
  const relay = new TypingRelay(db, {} as LocalSockets, fence, pino({ level: 'silent' }), clock);
  const type = (state: TypingState, conversationId = 'd-ann-ben') => relay.receive('ann-phone', { conversationId, userId: 'ann', state });
  const states = () => published.map((p) => JSON.parse(p).state as TypingState);
  return { clock, relay, type, states };
}

describe('typing relay: expiry and rate limit, to the millisecond', () => {
  it('relays paused when an indicator is not renewed: still on at 4999 ms, paused at 5000 ms', async () => {
    const { clock, type, states } = setUp();
    await type('typing');
    clock.advance(4_999);
    expect(states()).toEqual(['typing']);
    clock.advance(1);
    expect(states()).toEqual(['typing', 'paused']);
    clock.advance(60_000);
    expect(states()).toEqual(['typing', 'paused']);
  });

  it('renewing starts the 5 s again; recording expires like typing', async () => {
    const { clock, type, states } = setUp();
    await type('recording');
    clock.advance(3_000);
    await type('recording');
    clock.advance(4_999);
    expect(states()).toEqual(['recording', 'recording']);
    clock.advance(1);
    expect(states()).toEqual(['recording', 'recording', 'paused']);
  });

  it('an explicit paused ends the indicator: no automatic paused after it', async () => {
    const { clock, type, states } = setUp();
    await type('typing');
    clock.advance(1_000);
    await type('paused');
    clock.advance(60_000);
    expect(states()).toEqual(['typing', 'paused']);
  });

  it('stop cancels every pending expiry', async () => {
    const { clock, relay, type, states } = setUp();
    await type('typing');
    relay.stop();
    clock.advance(60_000);
    expect(states()).toEqual(['typing']);
  });

  it('allows 10 frames per device in any 5 s: the 11th is refused until the first is 5 s old', async () => {
    const { clock, type, states } = setUp();
    for (let i = 0; i < 10; i++) await type('typing');
    await expect(type('typing')).rejects.toMatchObject({ code: 'typing_rate_limited' });
    clock.advance(4_999);
    await expect(type('typing')).rejects.toMatchObject({ code: 'typing_rate_limited' });
    clock.advance(1);
    await type('typing');
    expect(states().filter((state) => state === 'typing')).toHaveLength(11);
  });
});
