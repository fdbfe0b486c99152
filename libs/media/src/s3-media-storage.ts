import { CreateBucketCommand, DeleteObjectsCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, NoSuchKey, NotFound, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import { assertStorageKey, MediaObjectMissing, type MediaStorage } from './media-storage.port.js';
import type { ByteRange } from './segmented-cipher.js';

export interface S3MediaStorageOptions {
  bucket: string;
  /** e.g. http://minio:9000; unset for AWS itself. */
  endpoint?: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** MinIO and most S3-compatible servers want path-style addressing. */
  forcePathStyle: boolean;
}

/** Parts in flight per upload: memory held is about this many parts of 5 MiB. */
const UPLOAD_QUEUE = 2;
const PART_BYTES = 5 * 1024 * 1024;

/**
 * Media in any S3-compatible store (distributed mode; MinIO in docker/compose.yml), through the
 * official AWS SDK: streamed uploads as multipart (lib-storage), ranged reads, batch deletes.
 */
export class S3MediaStorage implements MediaStorage {
  readonly client: S3Client;

  constructor(private readonly options: S3MediaStorageOptions) {
    const config: S3ClientConfig = { region: options.region, endpoint: options.endpoint, forcePathStyle: options.forcePathStyle };
    if (options.accessKeyId && options.secretAccessKey) config.credentials = { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey };
    this.client = new S3Client(config);
  }

  /** Makes the bucket when it does not exist yet (a fresh MinIO has none). */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket }));
    } catch (error) {
      if (!(error instanceof NotFound || (error as { name?: string }).name === 'NotFound')) throw error;
      await this.client.send(new CreateBucketCommand({ Bucket: this.options.bucket }));
    }
  }

  async put(key: string, body: Readable): Promise<void> {
    assertStorageKey(key);
    // lib-storage sends one PutObject for a small body and a multipart upload otherwise, aborting it on failure.
    const upload = new Upload({ client: this.client, params: { Bucket: this.options.bucket, Key: key, Body: body }, queueSize: UPLOAD_QUEUE, partSize: PART_BYTES, leavePartsOnError: false });
    await upload.done();
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    assertStorageKey(key);
    try {
      const answer = await this.client.send(
        new GetObjectCommand({ Bucket: this.options.bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
      );
      return answer.Body as Readable;
    } catch (error) {
      if (error instanceof NoSuchKey) throw new MediaObjectMissing(key);
      throw error;
    }
  }

  async size(key: string): Promise<number | null> {
    assertStorageKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: key }));
      return head.ContentLength ?? 0;
    } catch (error) {
      if (error instanceof NotFound || (error as { name?: string }).name === 'NotFound') return null;
      throw error;
    }
  }

  async delete(keys: string[]): Promise<void> {
    keys.forEach(assertStorageKey);
    // At most 1,000 keys per request (the S3 API's limit).
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      await this.client.send(new DeleteObjectsCommand({ Bucket: this.options.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
    }
  }

  close(): void {
    this.client.destroy();
  }
}
