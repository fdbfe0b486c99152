import { describe, expect, it } from 'vitest';
import { iceServers, urlList } from '../src/calls.query.js';

describe('ICE servers', () => {
  const settings = { stunUrls: ['stun:turn.example.com:3478'], turnUrls: ['turn:turn.example.com:3478?transport=udp'], turnSecret: 'north', ttlSeconds: 3600 };

  it("gives TURN a credential in coturn's REST form: expiry:userId, base64 HMAC-SHA1 with the shared secret (expected value from openssl)", () => {
    // printf '%s' "1796216400:alice" | openssl dgst -sha1 -hmac north -binary | base64
    expect(iceServers(settings, 'alice', new Date('2026-12-02T12:00:00Z'))).toEqual({
      iceServers: [
        { urls: ['stun:turn.example.com:3478'] },
        { urls: ['turn:turn.example.com:3478?transport=udp'], username: '1796216400:alice', credential: 'H6Z2F/UgE3oRpq2XM3OaMJvv5fk=' },
      ],
      ttlSeconds: 3600,
    });
  });

  it('leaves out what is not configured', () => {
    expect(iceServers({ ...settings, turnUrls: [] }, 'alice', new Date()).iceServers).toEqual([{ urls: ['stun:turn.example.com:3478'] }]);
    expect(urlList(' stun:a:3478, ,stun:b:3478 ')).toEqual(['stun:a:3478', 'stun:b:3478']);
  });
});
