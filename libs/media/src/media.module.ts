import path from 'node:path';
import { Module } from '@nestjs/common';
import { FileStore } from '@tus/file-store';
import { S3Store } from '@tus/s3-store';
import { DataSource } from 'typeorm';
import { Clock, CLOCK } from '../../domain/src/clock.js';
import { parseMasterKey } from '../../event-store/src/sealing/data-keys.js';
import type { Config } from '../../platform/src/config.js';
import { RUNTIME } from '../../platform/src/platform.module.js';
import type { Runtime } from '../../platform/src/runtime.js';
import { ReadFenceModule } from '../../queries/src/read-fence.module.js';
import { ReadYourWritesFence } from '../../queries/src/read-your-writes.js';
import { FilesystemMediaStorage } from './filesystem-media-storage.js';
import { MediaKeys } from './media-keys.js';
import { MediaLibrary } from './media-library.js';
import type { MediaStorage } from './media-storage.port.js';
import { MediaSweeper } from './media-sweeper.js';
import { type ReadableDataStore, ResumableUploads, UNFINISHED_UPLOAD_TTL_MS } from './resumable-uploads.js';
import { S3MediaStorage, type S3MediaStorageOptions } from './s3-media-storage.js';
import { ffmpegAvailable, Thumbnailer } from './thumbnailer.js';

export const MEDIA_STORAGE = Symbol('MediaStorage');

/** The media folder of the filesystem adapter: MEDIA_DIR, or `media` in the data folder. */
export const mediaDirectory = (config: Config) => path.resolve(config.MEDIA_DIR ?? path.join(config.DATA_DIR, 'media'));

export const s3OptionsOf = (config: Config): S3MediaStorageOptions => ({
  bucket: config.MEDIA_S3_BUCKET,
  endpoint: config.MEDIA_S3_ENDPOINT,
  region: config.MEDIA_S3_REGION,
  accessKeyId: config.MEDIA_S3_ACCESS_KEY_ID,
  secretAccessKey: config.MEDIA_S3_SECRET_ACCESS_KEY,
  forcePathStyle: config.MEDIA_S3_FORCE_PATH_STYLE,
});

/** The one place that picks the media storage adapter from the configuration (MEDIA_STORAGE). */
export async function openMediaStorage(config: Config): Promise<MediaStorage> {
  if (config.MEDIA_STORAGE !== 's3') return new FilesystemMediaStorage(path.join(mediaDirectory(config), 'objects'));
  const storage = new S3MediaStorage(s3OptionsOf(config));
  await storage.ensureBucket();
  return storage;
}

/** Where unfinished resumable uploads wait: beside the media objects, in the same kind of store. */
function stagingStore(config: Config): ReadableDataStore {
  if (config.MEDIA_STORAGE === 's3') {
    const s3 = s3OptionsOf(config);
    return new S3Store({
      expirationPeriodInMilliseconds: UNFINISHED_UPLOAD_TTL_MS,
      s3ClientConfig: {
        bucket: s3.bucket,
        region: s3.region,
        endpoint: s3.endpoint,
        forcePathStyle: s3.forcePathStyle,
        ...(s3.accessKeyId && s3.secretAccessKey ? { credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } } : {}),
      },
    });
  }
  return new FileStore({ directory: path.join(mediaDirectory(config), 'uploads'), expirationPeriodInMilliseconds: UNFINISHED_UPLOAD_TTL_MS });
}

/** Media for the query side: reading and access checks (no background work). */
@Module({
  imports: [ReadFenceModule],
  providers: [
    { provide: MEDIA_STORAGE, inject: [RUNTIME], useFactory: (runtime: Runtime) => openMediaStorage(runtime.config) },
    {
      provide: MediaKeys,
      inject: [RUNTIME],
      useFactory: (runtime: Runtime) => new MediaKeys(runtime.keyVault, parseMasterKey(runtime.secrets.masterKey), runtime.dataKeys),
    },
    {
      provide: MediaLibrary,
      inject: [DataSource, MEDIA_STORAGE, MediaKeys, RUNTIME, CLOCK, ReadYourWritesFence],
      useFactory: (db: DataSource, storage: MediaStorage, keys: MediaKeys, runtime: Runtime, clock: Clock, fence: ReadYourWritesFence) => {
        const limits = { maxBytes: runtime.config.MEDIA_MAX_BYTES, maxDocumentBytes: runtime.config.MEDIA_MAX_DOCUMENT_BYTES };
        return new MediaLibrary(db, storage, keys, limits, clock, ffmpegAvailable, () => fence.readYourWrites());
      },
    },
  ],
  exports: [MEDIA_STORAGE, MediaKeys, MediaLibrary],
})
export class MediaModule {}

/** Media for the command side: uploads, thumbnails and the sweeper, on top of `MediaModule`. */
@Module({
  imports: [MediaModule],
  providers: [
    {
      provide: Thumbnailer,
      inject: [DataSource, MediaLibrary, RUNTIME],
      useFactory: (db: DataSource, media: MediaLibrary, runtime: Runtime) => new Thumbnailer(db, media, runtime.logger),
    },
    {
      provide: ResumableUploads,
      // After the storage: with S3 the staged parts go to its bucket, made when the storage opened.
      inject: [MediaLibrary, Thumbnailer, RUNTIME, CLOCK, MEDIA_STORAGE],
      useFactory: (media: MediaLibrary, thumbnailer: Thumbnailer, runtime: Runtime, clock: Clock) =>
        new ResumableUploads(stagingStore(runtime.config), media, (record) => thumbnailer.enqueue(record.mediaId), clock),
    },
    {
      provide: MediaSweeper,
      inject: [DataSource, MEDIA_STORAGE, MediaKeys, RUNTIME, CLOCK],
      useFactory: (db: DataSource, storage: MediaStorage, keys: MediaKeys, runtime: Runtime, clock: Clock) =>
        new MediaSweeper(db, storage, keys, clock, { intervalMs: runtime.config.MEDIA_SWEEP_MS, unsentTtlMs: runtime.config.MEDIA_UNSENT_TTL_MS }, runtime.logger),
    },
  ],
  exports: [MediaModule, Thumbnailer, ResumableUploads, MediaSweeper],
})
export class MediaUploadsModule {}
