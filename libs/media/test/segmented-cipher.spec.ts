import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openRange, plainSizeOf, SEGMENT_BYTES, sealedSize, sealStream } from '../src/segmented-cipher.js';

const collect = async (stream: NodeJS.ReadableStream) => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

async function seal(key: Buffer, plain: Buffer, chunkBytes: number): Promise<Buffer> {
  const chunks = [];
  for (let i = 0; i < plain.length; i += chunkBytes) chunks.push(plain.subarray(i, i + chunkBytes));
  return collect(Readable.from(chunks).pipe(sealStream(key, 'media:m:original')));
}

async function open(key: Buffer, sealed: Buffer, size: number, start: number, end: number, context = 'media:m:original'): Promise<Buffer> {
  const { sealed: range, open: opener } = openRange(key, context, size, { start, end });
  return collect(Readable.from([sealed.subarray(range.start, range.end + 1)]).pipe(opener));
}

describe('media sealed in segments', () => {
  it('opens any range of any object to exactly its plaintext, reading only the segments it covers', async () => {
    const key = randomBytes(32);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 * SEGMENT_BYTES + 100 }), fc.integer({ min: 1, max: 100_000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), async (size, chunkBytes, a, b) => {
        const plain = randomBytes(size);
        const sealed = await seal(key, plain, chunkBytes);
        expect(sealed.length).toBe(sealedSize(size));
        expect(plainSizeOf(sealed.length)).toBe(size);
        const [start, end] = [Math.floor(Math.min(a, b) * (size - 1)), Math.floor(Math.max(a, b) * (size - 1))];
        expect((await open(key, sealed, size, start, end)).equals(plain.subarray(start, end + 1))).toBe(true);
        const wanted = openRange(key, 'media:m:original', size, { start, end }).sealed;
        expect(wanted.end - wanted.start + 1).toBeLessThanOrEqual((Math.floor(end / SEGMENT_BYTES) - Math.floor(start / SEGMENT_BYTES) + 1) * (SEGMENT_BYTES + 28));
      }),
      { numRuns: 40 },
    );
  });

  it('refuses a wrong key, another object\'s segments, and a stored object cut short at a segment boundary', async () => {
    const key = randomBytes(32);
    const plain = randomBytes(2 * SEGMENT_BYTES + 5);
    const sealed = await seal(key, plain, 10_000);
    await expect(open(randomBytes(32), sealed, plain.length, 0, 10)).rejects.toThrow();
    await expect(open(key, sealed, plain.length, 0, 10, 'media:other:original')).rejects.toThrow();
    // Drop the last segment: the one before it was sealed as "not the last", so it cannot pass for the end.
    const cut = sealed.subarray(0, 2 * (SEGMENT_BYTES + 28));
    await expect(open(key, cut, 2 * SEGMENT_BYTES, 0, 2 * SEGMENT_BYTES - 1)).rejects.toThrow();
  });
});
