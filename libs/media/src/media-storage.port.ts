import type { Readable } from 'node:stream';
import type { ByteRange } from './segmented-cipher.js';

/**
 * Where media bytes live: a flat namespace of immutable objects. Adapters: the local filesystem
 * (embedded mode) and any S3-compatible server (distributed mode); both pass
 * libs/media/test/media-storage.contract.ts.
 */
export interface MediaStorage {
  /** Stores the stream under `key` (replacing nothing: keys are never reused). Nothing is left behind when it fails. */
  put(key: string, body: Readable): Promise<void>;
  /** The object's bytes, or only `range` of them; rejects with `MediaObjectMissing` when there is no such object. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** The object's size, or null when there is none. */
  size(key: string): Promise<number | null>;
  /** Removes these objects; keys with no object are ignored. */
  delete(keys: string[]): Promise<void>;
}

export class MediaObjectMissing extends Error {
  constructor(readonly key: string) {
    super(`no stored media object ${key}`);
    this.name = 'MediaObjectMissing';
  }
}

/** Keys are made by the server from ids it generated: refuse anything else, so no key can name a path outside the store. */
export function assertStorageKey(key: string): void {
  if (!/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_.-]+)*$/.test(key) || key.includes('..')) throw new Error(`not a media storage key: ${key}`);
}
