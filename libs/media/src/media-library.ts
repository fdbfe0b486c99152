import { createHash, randomUUID } from 'node:crypto';
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileTypeFromBuffer } from 'file-type';
import type { Clock } from '../../domain/src/clock.js';
import { DomainError, forbidden, invalid } from '../../domain/src/errors.js';
import type { MessageKind } from '../../domain/src/events.js';
import type { SqlRunner } from '../../read-models/src/data-source.js';
import { mayFetchMediaSql } from './media-access.sql.js';
import type { MediaKeys } from './media-keys.js';
import { MediaObjectMissing, type MediaStorage } from './media-storage.port.js';
import { acceptedType, maxBytesOf, type MediaKind, type MediaLimits, OPAQUE_TYPE, SNIFF_BYTES, type ThumbnailSize, type ThumbnailState } from './media-types.js';
import { THUMBNAIL_SIZE_NAMES } from '../../protocol/src/media.js';
import { type ByteRange, openRange, plainSizeOf, sealStream } from './segmented-cipher.js';

/** A media object as its row and the API describe it. */
export interface MediaRecord {
  mediaId: string;
  uploaderId: string;
  kind: MediaKind;
  mimeType: string;
  size: number;
  sha256: string;
  encrypted: boolean;
  width: number | null;
  height: number | null;
  thumbnails: ThumbnailState;
  createdAt: string;
}

export interface UploadOptions {
  kind: MediaKind;
  /** The client encrypted the bytes itself: stored as is, no type check, no thumbnails. */
  encrypted: boolean;
}

/** What a stored object is: the original upload or one of its thumbnails. */
export type MediaVariant = 'original' | ThumbnailSize;

interface MediaRow {
  media_id: string;
  uploader_id: string;
  kind: MediaKind;
  mime_type: string;
  size: string;
  sha256: string;
  encrypted: boolean;
  width: number | null;
  height: number | null;
  thumbnails: ThumbnailState;
  created_at: Date;
}

const toRecord = (row: MediaRow): MediaRecord => ({
  mediaId: row.media_id,
  uploaderId: row.uploader_id,
  kind: row.kind,
  mimeType: row.mime_type,
  size: Number(row.size),
  sha256: row.sha256,
  encrypted: row.encrypted,
  width: row.width,
  height: row.height,
  thumbnails: row.thumbnails,
  createdAt: row.created_at.toISOString(),
});

export const mediaNotFound = () => new DomainError('not_found', 'media_not_found', 'no media with that id (or it was removed)');

/** The storage key of one variant of a media object. */
export const objectKey = (mediaId: string, variant: MediaVariant) => `${mediaId}/${variant}`;
/** The storage keys of every variant a media object may have. */
export const objectKeysOf = (mediaId: string): string[] => (['original', ...THUMBNAIL_SIZE_NAMES] as const).map((variant) => objectKey(mediaId, variant));
/** What each sealed object's segments are bound to: its media and variant. */
const sealContext = (mediaId: string, variant: MediaVariant) => `media:${mediaId}:${variant}`;

/**
 * Media: uploads streamed through a size limit, a type check from the bytes, a SHA-256 and
 * sealing into storage, never held whole in memory; who may fetch what; ranged reads that open
 * only the segments they need. Avatars and group icons are media like any other.
 */
export class MediaLibrary {
  constructor(
    private readonly db: SqlRunner,
    private readonly storage: MediaStorage,
    private readonly keys: MediaKeys,
    private readonly limits: MediaLimits,
    private readonly clock: Clock,
    /** Whether a first frame can be taken from videos (an ffmpeg binary is on PATH); asked only of video uploads. */
    private readonly videoFrames: () => boolean,
    /** Resolves once the read models reflect every event appended so far (the read-your-writes fence). */
    private readonly catchUp: () => Promise<unknown>,
  ) {}

  /** The largest upload of this kind, for refusing a declared length before reading any of it. */
  maxBytes(kind: MediaKind): number {
    return maxBytesOf(kind, this.limits);
  }

  /**
   * Streams `source` into storage. Refuses with 413 as soon as it passes the kind's limit (and
   * before reading when `declaredLength` already does), with 415 when its first bytes are not of
   * the declared kind; nothing is kept of a refused upload.
   */
  async upload(uploaderId: string, options: UploadOptions, source: Readable, declaredLength?: number, mediaId: string = randomUUID()): Promise<MediaRecord> {
    const limit = this.maxBytes(options.kind);
    if (declaredLength !== undefined && declaredLength > limit) throw tooLarge(options.kind, limit);
    const guard = new UploadGuard(limit, options);
    const key = this.keys.make();
    const sealed = new PassThrough();
    try {
      await Promise.all([
        pipeline(source, guard, sealStream(key, sealContext(mediaId, 'original')), sealed),
        this.storage.put(objectKey(mediaId, 'original'), sealed),
      ]);
    } catch (error) {
      sealed.destroy();
      throw guard.refusal ?? error;
    }
    const thumbnails: ThumbnailState = options.encrypted ? 'none' : options.kind === 'image' || (options.kind === 'video' && this.videoFrames()) ? 'pending' : 'none';
    try {
      await this.keys.store(mediaId, key);
      const rows: MediaRow[] = await this.db.query(
        `INSERT INTO media_objects (media_id, uploader_id, kind, mime_type, size, sha256, encrypted, thumbnails, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
        [mediaId, uploaderId, options.kind, guard.mimeType, guard.received, guard.sha256(), options.encrypted, thumbnails, this.clock.now()],
      );
      return toRecord(rows[0]);
    } catch (error) {
      // Unrecorded, the object would be found by nothing, the sweeper included.
      await this.storage.delete([objectKey(mediaId, 'original')]).catch(() => undefined);
      await this.keys.destroy([mediaId]).catch(() => undefined);
      throw error;
    }
  }

  /** The media's record, if it exists and was not removed. */
  async find(mediaId: string): Promise<MediaRecord | null> {
    const rows: MediaRow[] = await this.db.query('SELECT * FROM media_objects WHERE media_id = $1 AND removed_at IS NULL', [mediaId]);
    return rows.length > 0 ? toRecord(rows[0]) : null;
  }

  /**
   * The media, if `userId` may fetch it: its uploader; a member of a conversation where a
   * message they can see names it (not erased; not from someone who blocked them); a member of
   * a group whose icon it is; anyone its owner's privacy lets see the profile photo it is.
   */
  async fetchableBy(userId: string, mediaId: string): Promise<MediaRecord> {
    const rows: (MediaRow & { allowed: boolean })[] = await this.db.query(
      `SELECT mo.*, ${mayFetchMediaSql('mo', '$2')} AS allowed FROM media_objects mo WHERE mo.media_id = $1 AND mo.removed_at IS NULL`,
      [mediaId, userId],
    );
    if (rows.length === 0 || (await this.keys.erased(mediaId))) throw mediaNotFound();
    if (!rows[0].allowed) throw forbidden('media_not_allowed', 'you may not fetch this media: only its uploader and those who were sent it may');
    return toRecord(rows[0]);
  }

  /**
   * A message of `kind` may name the media when the sender uploaded it, or may fetch it (a
   * forward of what they were sent) — and it is of that kind. Marks it as just used, so the
   * sweeper leaves it alone until the message is projected.
   */
  async assertUsable(senderId: string, mediaId: string, kind: MessageKind): Promise<void> {
    // A forward by hand of media just received: the message that granted it may not be projected yet.
    const record = await this.fetchableBy(senderId, mediaId).catch(async (error) => {
      if (!(error instanceof DomainError && error.kind === 'forbidden')) throw error;
      await this.catchUp();
      return this.fetchableBy(senderId, mediaId);
    });
    if (record.kind !== kind) throw invalid('media_kind_mismatch', `the media is a ${record.kind} upload; send it as kind ${record.kind}`, [{ field: 'mediaId', message: `is a ${record.kind}` }]);
    await this.db.query('UPDATE media_objects SET used_at = $2 WHERE media_id = $1', [mediaId, this.clock.now()]);
  }

  /**
   * The plaintext of one variant, or `range` of it (which the caller has checked lies within it).
   * Rejects with 404 when that variant does not exist (a thumbnail not made).
   */
  async read(record: MediaRecord, variant: MediaVariant, range?: ByteRange): Promise<{ size: number; stream: Readable }> {
    const key = await this.keys.get(record.mediaId);
    if (!key) throw mediaNotFound();
    const stored = objectKey(record.mediaId, variant);
    const size = variant === 'original' ? record.size : await this.storage.size(stored).then((s) => (s === null ? null : plainSizeOf(s)));
    if (size === null) throw new DomainError('not_found', 'thumbnail_not_found', 'this media has no such thumbnail');
    if (size === 0) return { size, stream: Readable.from([]) };
    const { sealed, open } = openRange(key, sealContext(record.mediaId, variant), size, range ?? { start: 0, end: size - 1 });
    const source = await this.storage.get(stored, sealed).catch((error) => {
      // Removed by the sweeper between the check and the read.
      throw error instanceof MediaObjectMissing ? mediaNotFound() : error;
    });
    source.on('error', (error) => open.destroy(error));
    return { size, stream: source.pipe(open) };
  }

  /** Stores a thumbnail (or another derived variant) sealed with the media's key. */
  async putVariant(mediaId: string, variant: Exclude<MediaVariant, 'original'>, bytes: Buffer): Promise<void> {
    const key = await this.keys.get(mediaId);
    if (!key) throw mediaNotFound();
    await this.storage.put(objectKey(mediaId, variant), Readable.from([bytes]).pipe(sealStream(key, sealContext(mediaId, variant))));
  }
}

/**
 * The first stage of an upload: counts bytes against the limit, hashes them, and holds the
 * first few kilobytes until their type is known. What it refused with is kept in `refusal`,
 * since a pipeline reports its own abort as well.
 */
class UploadGuard extends Transform {
  received = 0;
  mimeType = OPAQUE_TYPE;
  refusal?: DomainError;
  private readonly hash = createHash('sha256');
  private head: Buffer[] | null = [];
  private headBytes = 0;

  constructor(
    private readonly limit: number,
    private readonly options: UploadOptions,
  ) {
    super();
  }

  sha256(): string {
    return this.hash.digest('hex');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.received += chunk.length;
    if (this.received > this.limit) return done(this.refuse(tooLarge(this.options.kind, this.limit)));
    this.hash.update(chunk);
    if (this.head === null) return done(null, chunk);
    this.head.push(chunk);
    this.headBytes += chunk.length;
    if (this.headBytes < SNIFF_BYTES) return done();
    this.release(done);
  }

  override _flush(done: TransformCallback): void {
    if (this.head === null) return done();
    this.release(done);
  }

  private release(done: TransformCallback): void {
    const head = Buffer.concat(this.head!, this.headBytes);
    this.head = null;
    this.typeOf(head).then(
      (mimeType) => {
        this.mimeType = mimeType;
        done(null, head);
      },
      (error) => done(error),
    );
  }

  private async typeOf(head: Buffer): Promise<string> {
    if (this.options.encrypted) return OPAQUE_TYPE;
    const detected = (await fileTypeFromBuffer(head))?.mime;
    const accepted = acceptedType(this.options.kind, detected);
    if (accepted === null) {
      throw this.refuse(
        new DomainError('unsupported_type', 'media_type_mismatch', `the bytes are ${detected ?? 'of no known type'}, not a supported ${this.options.kind}`, {
          kind: this.options.kind,
          detected: detected ?? null,
        }),
      );
    }
    return accepted;
  }

  private refuse(error: DomainError): DomainError {
    this.refusal = error;
    return error;
  }
}

const tooLarge = (kind: MediaKind, limit: number) =>
  new DomainError('too_large', 'media_too_large', `a ${kind} upload may have at most ${limit} bytes`, { kind, maxBytes: limit });
