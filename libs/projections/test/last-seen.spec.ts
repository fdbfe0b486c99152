import { describe, expect, it } from 'vitest';
import { foldPresence, UserPresence } from '../src/last-seen.projection.js';
import { connected, disconnected } from './events.js';

const none = new Map<string, UserPresence>();

describe('last-seen projection', () => {
  it('a first connection puts the user online and announces it', () => {
    const fold = foldPresence(none, [connected('alice', 'c1', 't1')]);
    expect(fold.presence).toEqual([{ user_id: 'alice', open: ['c1'], last_seen: null }]);
    expect(fold.changes).toEqual([{ userId: 'alice', online: true, lastSeen: null }]);
  });

  it('the user stays online until the last connection closes, which sets last seen', () => {
    const fold = foldPresence(none, [
      connected('alice', 'c1', 't1'),
      connected('alice', 'c2', 't2'),
      disconnected('alice', 'c1', 't3'),
    ]);
    expect(fold.presence).toEqual([{ user_id: 'alice', open: ['c2'], last_seen: null }]);
    const closed = foldPresence(new Map([['alice', { open: ['c2'], lastSeen: null }]]), [disconnected('alice', 'c2', 't4')]);
    expect(closed.presence).toEqual([{ user_id: 'alice', open: [], last_seen: 't4' }]);
    expect(closed.changes).toEqual([{ userId: 'alice', online: false, lastSeen: 't4' }]);
  });

  it('announces only users whose online state changed over the whole batch', () => {
    const stored = new Map([['bob', { open: ['b1'], lastSeen: 't0' }]]);
    const fold = foldPresence(stored, [
      connected('bob', 'b2', 't1'),
      connected('carol', 'k1', 't2'),
      disconnected('carol', 'k1', 't3'),
      connected('dave', 'd1', 't4'),
    ]);
    expect(fold.presence).toEqual([
      { user_id: 'bob', open: ['b1', 'b2'], last_seen: 't0' },
      { user_id: 'carol', open: [], last_seen: 't3' },
      { user_id: 'dave', open: ['d1'], last_seen: null },
    ]);
    expect(fold.changes).toEqual([{ userId: 'dave', online: true, lastSeen: null }]);
  });

  it('a connection announced twice is open once; closing an unknown connection changes nothing', () => {
    const fold = foldPresence(none, [connected('alice', 'c1', 't1'), connected('alice', 'c1', 't2'), disconnected('alice', 'c9', 't3')]);
    expect(fold.presence).toEqual([{ user_id: 'alice', open: ['c1'], last_seen: null }]);
  });

  it("records each device's latest activity, whatever the order", () => {
    const fold = foldPresence(none, [
      connected('alice', 'c1', '2026-01-01T00:00:05.000Z', 'phone'),
      disconnected('alice', 'c1', '2026-01-01T00:00:03.000Z', 'phone'),
      connected('alice', 'c2', '2026-01-01T00:00:04.000Z', 'laptop'),
    ]);
    expect(fold.devices).toEqual([
      { device_id: 'phone', at: '2026-01-01T00:00:05.000Z' },
      { device_id: 'laptop', at: '2026-01-01T00:00:04.000Z' },
    ]);
  });

  it('leaves the stored presence it was given untouched', () => {
    const stored = new Map([['alice', { open: ['c1'], lastSeen: null }]]);
    foldPresence(stored, [disconnected('alice', 'c1', 't1')]);
    expect(stored.get('alice')).toEqual({ open: ['c1'], lastSeen: null });
  });
});
