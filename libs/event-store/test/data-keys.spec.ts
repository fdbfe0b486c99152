import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newDataKey, openText, sealText, unwrapKey, wrapKey } from '../src/sealing/data-keys.js';

const masterKey = randomBytes(32);

describe('data keys wrapped by the master key', () => {
  it('unwrap to the key they wrap, each alone, across keystream refills, and never show it', () => {
    const keys = Array.from({ length: 300 }, (_, i) => ({ id: `m${i}`, key: newDataKey() }));
    const wrapped = keys.map(({ id, key }) => wrapKey(masterKey, id, key));
    for (const [i, { id, key }] of keys.entries()) {
      expect(wrapped[i].includes(key)).toBe(false);
      expect(unwrapKey(masterKey, id, wrapped[i]).equals(key)).toBe(true);
    }
    // Every key is wrapped with keystream of its own: no two share a counter block.
    const counters = new Set(wrapped.map((w) => w.subarray(1, 17).toString('hex')));
    expect(counters.size).toBe(keys.length);
  });

  it('need the master key: another one unwraps to a key that opens nothing', () => {
    const key = newDataKey();
    const sealed = sealText(key, 'm1:MessageSent:body', 'meet at 8');
    const wrongly = unwrapKey(randomBytes(32), 'm1', wrapKey(masterKey, 'm1', key));
    expect(() => openText(wrongly, 'm1:MessageSent:body', sealed)).toThrow();
  });

  it('refuse a tampered wrapped key by failing to open what it sealed', () => {
    const key = newDataKey();
    const sealed = sealText(key, 'm1:MessageSent:body', 'meet at 8');
    const wrapped = wrapKey(masterKey, 'm1', key);
    wrapped[wrapped.length - 1] ^= 1;
    expect(() => openText(unwrapKey(masterKey, 'm1', wrapped), 'm1:MessageSent:body', sealed)).toThrow();
  });

  it('still unwrap when stored in the earlier form (AES-GCM, the id authenticated)', () => {
    const key = newDataKey();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', masterKey, iv);
    cipher.setAAD(Buffer.from('key:m1'));
    const ciphertext = Buffer.concat([cipher.update(key), cipher.final()]);
    const earlier = Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
    expect(unwrapKey(masterKey, 'm1', earlier).equals(key)).toBe(true);
    expect(() => unwrapKey(masterKey, 'm2', earlier)).toThrow();
  });
});
