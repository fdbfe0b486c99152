import { Transform, type TransformCallback } from 'node:stream';
import { openBytes, SEAL_OVERHEAD_BYTES, sealBytes } from '../../event-store/src/sealing/data-keys.js';

/**
 * Media at rest: the plaintext cut into fixed segments, each sealed on its own (AES-256-GCM with
 * its own IV and tag, `data-keys.ts`), so a range request opens only the segments it covers.
 * Each segment's context names the object, the segment's index and whether it is the last, so
 * segments can be neither moved, reordered nor dropped from the end unnoticed.
 */
export const SEGMENT_BYTES = 64 * 1024;
const SEALED_SEGMENT_BYTES = SEGMENT_BYTES + SEAL_OVERHEAD_BYTES;

const segmentContext = (objectContext: string, index: number, last: boolean) => `${objectContext}:${index}:${last ? 'last' : 'more'}`;

/** How many bytes an object of `plainSize` bytes takes sealed. */
export function sealedSize(plainSize: number): number {
  const segments = Math.max(1, Math.ceil(plainSize / SEGMENT_BYTES));
  return plainSize + segments * SEAL_OVERHEAD_BYTES;
}

/** The plaintext size of a sealed object of `sealed` bytes (the inverse of `sealedSize`). */
export function plainSizeOf(sealed: number): number {
  const segments = Math.max(1, Math.ceil(sealed / SEALED_SEGMENT_BYTES));
  return sealed - segments * SEAL_OVERHEAD_BYTES;
}

/** Seals a stream segment by segment; holds at most one segment (plus one chunk) in memory. */
export function sealStream(key: Buffer, objectContext: string): Transform {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let index = 0;
  // A segment is sealed only once the next byte arrives (or the end): only then is it known not to be the last.
  const sealFull = (push: (chunk: Buffer) => void) => {
    while (pendingBytes > SEGMENT_BYTES) {
      const all = Buffer.concat(pending, pendingBytes);
      push(sealBytes(key, segmentContext(objectContext, index++, false), all.subarray(0, SEGMENT_BYTES)));
      pending = [all.subarray(SEGMENT_BYTES)];
      pendingBytes -= SEGMENT_BYTES;
    }
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      sealFull((sealed) => this.push(sealed));
      done();
    },
    flush(done: TransformCallback) {
      this.push(sealBytes(key, segmentContext(objectContext, index, true), Buffer.concat(pending, pendingBytes)));
      done();
    },
  });
}

/** An inclusive byte range, as HTTP names it. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Which sealed bytes to read for a range of the plaintext, and the stream that opens them and
 * yields exactly the range.
 */
export function openRange(key: Buffer, objectContext: string, plainSize: number, range: ByteRange): { sealed: ByteRange; open: Transform } {
  const lastSegment = Math.max(0, Math.ceil(plainSize / SEGMENT_BYTES) - 1);
  const first = Math.floor(range.start / SEGMENT_BYTES);
  const last = Math.floor(range.end / SEGMENT_BYTES);
  const sealedEnd = Math.min((last + 1) * SEALED_SEGMENT_BYTES, sealedSize(plainSize)) - 1;
  let index = first;
  // Chunks held until a whole sealed segment is in (joined once per segment, not once per chunk).
  let held: Buffer[] = [];
  let heldBytes = 0;
  const openOne = (segment: Buffer): Buffer => {
    const plain = openBytes(key, segmentContext(objectContext, index, index === lastSegment), segment);
    const from = index === first ? range.start - first * SEGMENT_BYTES : 0;
    const to = index === last ? range.end - last * SEGMENT_BYTES + 1 : plain.length;
    index++;
    return plain.subarray(from, to);
  };
  const open = new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      try {
        held.push(chunk);
        heldBytes += chunk.length;
        if (heldBytes < SEALED_SEGMENT_BYTES) return done();
        let buffered = Buffer.concat(held, heldBytes);
        while (buffered.length >= SEALED_SEGMENT_BYTES && index <= last) {
          this.push(openOne(buffered.subarray(0, SEALED_SEGMENT_BYTES)));
          buffered = buffered.subarray(SEALED_SEGMENT_BYTES);
        }
        held = buffered.length > 0 ? [buffered] : [];
        heldBytes = buffered.length;
        done();
      } catch (error) {
        done(error as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        if (index <= last) this.push(openOne(Buffer.concat(held, heldBytes)));
        if (index <= last) throw new Error('the stored object is shorter than its recorded size');
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  });
  return { sealed: { start: first * SEALED_SEGMENT_BYTES, end: sealedEnd }, open };
}
