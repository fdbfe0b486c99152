import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaObjectMissing, type MediaStorage } from '../src/media-storage.port.js';

const read = async (stream: Readable) => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/** What every media storage adapter must do; run against each by its own spec file. */
export function describeMediaStorageConformance(name: string, open: () => Promise<MediaStorage>, close: (storage: MediaStorage) => Promise<void> = async () => undefined) {
  describe(`${name} media storage`, () => {
    let storage: MediaStorage;
    beforeAll(async () => {
      storage = await open();
    });
    afterAll(async () => {
      await close(storage);
    });
    const key = () => `${randomUUID()}/original`;

    it('stores a stream and reads it back whole, reporting its size', async () => {
      const bytes = randomBytes(3 * 1024 * 1024 + 17);
      const k = key();
      // In several chunks, as an upload arrives.
      await storage.put(k, Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000, 2_000_000), bytes.subarray(2_000_000)]));
      expect(await storage.size(k)).toBe(bytes.length);
      expect((await read(await storage.get(k))).equals(bytes)).toBe(true);
    });

    it('reads an inclusive byte range', async () => {
      const bytes = randomBytes(100_000);
      const k = key();
      await storage.put(k, Readable.from([bytes]));
      expect((await read(await storage.get(k, { start: 65_000, end: 70_123 }))).equals(bytes.subarray(65_000, 70_124))).toBe(true);
      expect((await read(await storage.get(k, { start: 99_999, end: 99_999 }))).equals(bytes.subarray(99_999))).toBe(true);
    });

    it('says when there is no such object, and deletes (missing keys are no error)', async () => {
      const k = key();
      expect(await storage.size(k)).toBeNull();
      await expect(storage.get(k)).rejects.toBeInstanceOf(MediaObjectMissing);
      await storage.put(k, Readable.from([Buffer.from('x')]));
      await storage.delete([k, key()]);
      expect(await storage.size(k)).toBeNull();
    });

    it('keeps nothing of a put whose stream fails', async () => {
      const k = key();
      const failing = new Readable({
        read() {
          this.push(randomBytes(64 * 1024));
          this.destroy(new Error('the client went away'));
        },
      });
      await expect(storage.put(k, failing)).rejects.toThrow();
      expect(await storage.size(k)).toBeNull();
    });

    it('refuses keys that could name something outside the store', async () => {
      for (const bad of ['../etc/passwd', '/abs', 'a/../../b', 'a//b', '']) {
        await expect(storage.size(bad)).rejects.toThrow(/not a media storage key/);
      }
    });
  });
}
