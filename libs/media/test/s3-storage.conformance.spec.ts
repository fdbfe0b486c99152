import { describe } from 'vitest';
import { S3MediaStorage } from '../src/s3-media-storage.js';
import { describeMediaStorageConformance } from './media-storage.contract.js';

// An S3-compatible server (MinIO: docker/compose.yml) at MEDIA_S3_ENDPOINT, with credentials in
// MEDIA_S3_ACCESS_KEY_ID / MEDIA_S3_SECRET_ACCESS_KEY; a bucket of its own is made for the run.
const endpoint = process.env.MEDIA_S3_ENDPOINT;

if (!endpoint) {
  console.warn('S3 media storage conformance suite skipped: MEDIA_S3_ENDPOINT is not set');
}

describe.skipIf(!endpoint)('S3 media storage (server at MEDIA_S3_ENDPOINT)', () => {
  describeMediaStorageConformance(
    'S3',
    async () => {
      const bucket = `conformance-${Date.now()}`;
      const storage = new S3MediaStorage({
        bucket,
        endpoint,
        region: process.env.MEDIA_S3_REGION ?? 'us-east-1',
        accessKeyId: process.env.MEDIA_S3_ACCESS_KEY_ID,
        secretAccessKey: process.env.MEDIA_S3_SECRET_ACCESS_KEY,
        forcePathStyle: true,
      });
      await storage.ensureBucket();
      return storage;
    },
    async (storage) => (storage as S3MediaStorage).close(),
  );
});
