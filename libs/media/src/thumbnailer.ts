import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import sharp from 'sharp';
import type { SqlRunner } from '../../read-models/src/data-source.js';
import type { MediaLibrary, MediaRecord } from './media-library.js';
import { THUMBNAIL_SIZE_NAMES } from '../../protocol/src/media.js';
import { THUMBNAIL_SIZES } from './media-types.js';

export interface ThumbnailerLog {
  warn(details: object, message: string): void;
}

/** Largest picture decoded, in pixels: a small file claiming a huge canvas (a decompression bomb) fails instead. */
const MAX_INPUT_PIXELS = 100_000_000;

let ffmpegFound: boolean | undefined;

/** True when an `ffmpeg` binary is on PATH: then videos get a first-frame thumbnail. Looked for once, when first asked. */
export function ffmpegAvailable(): boolean {
  return (ffmpegFound ??= spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0);
}

/**
 * Makes the thumbnails of new images (and of videos, from their first frame, where ffmpeg is
 * present) off the request path: one at a time, in the process that took the upload; at start
 * it takes up those a stopped process left pending. Reads the sealed original like any reader
 * and stores each thumbnail sealed with the media's key.
 */
export class Thumbnailer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly queue: string[] = [];
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly db: SqlRunner,
    private readonly media: MediaLibrary,
    private readonly log: ThumbnailerLog,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const pending: { media_id: string }[] = await this.db.query(
      `SELECT media_id FROM media_objects WHERE thumbnails = 'pending' AND removed_at IS NULL ORDER BY created_at`,
    );
    for (const row of pending) this.enqueue(row.media_id);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  enqueue(mediaId: string): void {
    this.queue.push(mediaId);
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  private async drain(): Promise<void> {
    for (let mediaId = this.queue.shift(); mediaId !== undefined && !this.stopped; mediaId = this.queue.shift()) {
      await this.make(mediaId);
    }
  }

  private async make(mediaId: string): Promise<void> {
    const record = await this.media.find(mediaId).catch(() => null);
    if (!record || record.thumbnails !== 'pending') return;
    try {
      const picture = record.kind === 'video' ? await this.firstFrame(record) : await this.original(record);
      const image = sharp(picture, { limitInputPixels: MAX_INPUT_PIXELS }).rotate();
      const { width, height, autoOrient } = await image.metadata();
      for (const size of THUMBNAIL_SIZE_NAMES) {
        const box = THUMBNAIL_SIZES[size];
        const thumbnail = await image.clone().resize({ ...box, withoutEnlargement: box.fit === 'inside' }).jpeg({ quality: 75, mozjpeg: true }).toBuffer();
        await this.media.putVariant(mediaId, size, thumbnail);
      }
      await this.db.query(`UPDATE media_objects SET thumbnails = 'ready', width = $2, height = $3 WHERE media_id = $1`, [mediaId, autoOrient?.width ?? width, autoOrient?.height ?? height]);
    } catch (error) {
      this.log.warn({ err: error, mediaId }, 'thumbnails: could not read the media as a picture');
      await this.db.query(`UPDATE media_objects SET thumbnails = 'failed' WHERE media_id = $1`, [mediaId]).catch(() => undefined);
    }
  }

  /** The original, decrypted (an image is at most the image limit: held in memory for the decoder). */
  private async original(record: MediaRecord): Promise<Buffer> {
    const { stream } = await this.media.read(record, 'original');
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** The video's first frame as PNG, from ffmpeg reading a decrypted temporary copy (containers need seeking). */
  private async firstFrame(record: MediaRecord): Promise<Buffer> {
    const folder = await mkdtemp(path.join(tmpdir(), 'media-frame-'));
    try {
      const copy = path.join(folder, 'video');
      await pipeline((await this.media.read(record, 'original')).stream, createWriteStream(copy));
      return await new Promise<Buffer>((resolve, reject) => {
        const ffmpeg = spawn('ffmpeg', ['-v', 'error', '-i', copy, '-frames:v', '1', '-f', 'image2pipe', '-vcodec', 'png', '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
        const out: Buffer[] = [];
        let errors = '';
        ffmpeg.stdout.on('data', (chunk: Buffer) => out.push(chunk));
        ffmpeg.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
        ffmpeg.on('error', reject);
        ffmpeg.on('close', (code) => (code === 0 && out.length > 0 ? resolve(Buffer.concat(out)) : reject(new Error(`ffmpeg: ${errors.trim() || `exit ${code}`}`))));
      });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }
}
