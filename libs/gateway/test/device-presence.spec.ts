import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { DevicePresence, PresenceFact } from '../src/device-presence.js';

function setUp(graceMs = 3_000) {
  const clock = new ManualClock();
  const facts: PresenceFact[] = [];
  const presence = new DevicePresence((_userId, fact) => facts.push(fact), graceMs, clock);
  const summary = () => facts.map((f) => `${f.type} ${f.data.deviceId} ${f.data.at.slice(11, 23)}`);
  return { clock, facts, presence, summary };
}

describe('device presence: socket churn folded into presence facts', () => {
  it('records a connect at the first socket and a disconnect once the last has stayed closed for the grace, dated when it closed', () => {
    const { clock, presence, summary, facts } = setUp();
    presence.opened('alice', 'phone');
    clock.advance(1_000);
    presence.closed('phone');
    clock.advance(2_999);
    expect(summary()).toEqual(['DeviceConnected phone 12:00:00.000']);
    clock.advance(1);
    expect(summary()).toEqual(['DeviceConnected phone 12:00:00.000', 'DeviceDisconnected phone 12:00:01.000']);
    expect(facts[1].data.connectionId).toBe(facts[0].data.connectionId);
  });

  it('records nothing for a socket that reopens within the grace, however often', () => {
    const { clock, presence, summary } = setUp();
    presence.opened('alice', 'phone');
    for (let i = 0; i < 1_000; i++) {
      presence.closed('phone');
      clock.advance(100);
      presence.opened('alice', 'phone');
    }
    clock.advance(60_000);
    expect(summary()).toEqual(['DeviceConnected phone 12:00:00.000']);
  });

  it('counts sockets per device: the device is gone when its last socket is', () => {
    const { clock, presence, summary } = setUp();
    presence.opened('alice', 'phone');
    presence.opened('alice', 'phone');
    presence.opened('alice', 'laptop');
    presence.closed('phone');
    clock.advance(10_000);
    expect(summary()).toEqual(['DeviceConnected phone 12:00:00.000', 'DeviceConnected laptop 12:00:00.000']);
    presence.closed('phone');
    clock.advance(3_000);
    expect(summary()).toEqual(['DeviceConnected phone 12:00:00.000', 'DeviceConnected laptop 12:00:00.000', 'DeviceDisconnected phone 12:00:10.000']);
  });

  it('flushes pending disconnects at once when the server stops, each dated when its socket closed', () => {
    const { clock, presence, summary } = setUp();
    presence.opened('alice', 'phone');
    clock.advance(500);
    presence.closed('phone');
    clock.advance(200);
    presence.flush();
    expect(summary()).toEqual(['DeviceConnected phone 12:00:00.000', 'DeviceDisconnected phone 12:00:00.500']);
    clock.advance(10_000);
    expect(summary()).toHaveLength(2);
  });
});
