import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Server } from '@tus/server';
import { type DataStore, Metadata, type Upload } from '@tus/utils';
import type { Clock, TimerHandle } from '../../domain/src/clock.js';
import { DomainError } from '../../domain/src/errors.js';
import { MEDIA_KINDS } from '../../domain/src/events.js';
import { toProtocolError } from '../../protocol/src/errors.js';
import type { MediaLibrary, MediaRecord } from './media-library.js';
import type { MediaKind } from './media-types.js';

/** Where resumable uploads are served (POST to create; HEAD, PATCH, DELETE on `/{uploadId}`). */
export const RESUMABLE_UPLOADS_PATH = '/v1/media/uploads';
/** Set by the server from the caller's token (whatever a client sends under this name is replaced): whose upload a request is. */
const UPLOADER_HEADER = 'x-media-uploader';
/** How long an unfinished upload may wait for its next part before it is removed. */
export const UNFINISHED_UPLOAD_TTL_MS = 24 * 3_600_000;

/** A data store that can also read back a finished upload (the file and S3 stores can). */
export type ReadableDataStore = DataStore & { read(id: string): Readable | Promise<Readable> };

/** The upload's kind and whether the client encrypted it, from `Upload-Metadata`: `kind` (image|video|audio|document), `encrypted` ("true"). */
function optionsOf(metadata: Record<string, string | null | undefined> | undefined): { kind: MediaKind; encrypted: boolean } {
  const kind = metadata?.kind;
  if (!kind || !MEDIA_KINDS.includes(kind as MediaKind)) {
    throw new DomainError('invalid', 'validation_failed', 'Upload-Metadata must name the kind: image, video, audio or document', [
      { field: 'Upload-Metadata.kind', message: 'kind must be one of image, video, audio, document' },
    ]);
  }
  return { kind: kind as MediaKind, encrypted: metadata?.encrypted === 'true' };
}

/** A failure as tus answers it: the status and the protocol's error body. */
function asTusError(error: unknown): { status_code: number; body: string } {
  const { status, body } = toProtocolError(error);
  return { status_code: status, body: JSON.stringify(body) };
}

/**
 * Resumable uploads on the tus protocol (1.0, creation and termination), served by the tus
 * project's own server library: a dropped connection resumes from the offset the server
 * reports (HEAD). The parts go to a staging store (the file store under the media folder, or the
 * S3 store beside the media bucket); once the last byte is in, the upload goes through the same
 * path as a plain one (limit, type check, SHA-256, sealing), its staged copy is removed, and the
 * PATCH that finished it answers 200 with the media (the tus clients accept a body there).
 * Only the user who created an upload can see or continue it.
 */
export class ResumableUploads implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly server: Server;
  private cleanup?: TimerHandle;

  constructor(
    private readonly staging: ReadableDataStore,
    private readonly media: MediaLibrary,
    private readonly onStored: (record: MediaRecord) => void,
    private readonly clock: Clock,
  ) {
    this.server = new Server({
      path: RESUMABLE_UPLOADS_PATH,
      datastore: staging,
      relativeLocation: true,
      disableTerminationForFinishedUploads: true,
      maxSize: async (req, uploadId) => {
        const metadata = uploadId ? (await staging.getUpload(uploadId)).metadata : Metadata.parse(req.headers.get('upload-metadata') ?? undefined);
        return media.maxBytes(optionsOf(metadata).kind);
      },
      onUploadCreate: async (req, upload) => {
        try {
          optionsOf(upload.metadata);
          if (upload.size === undefined) throw new DomainError('invalid', 'upload_length_required', 'give Upload-Length: a deferred length is not accepted');
        } catch (error) {
          throw asTusError(error);
        }
        return { metadata: { ...upload.metadata, uploaderId: req.headers.get(UPLOADER_HEADER) } };
      },
      onIncomingRequest: async (req, uploadId) => {
        if (req.method === 'POST' || req.method === 'OPTIONS') return;
        const upload = await staging.getUpload(uploadId).catch(() => null);
        if (upload && upload.metadata?.uploaderId !== req.headers.get(UPLOADER_HEADER)) {
          throw asTusError(new DomainError('not_found', 'upload_not_found', 'no upload with that id'));
        }
      },
      onUploadFinish: async (_req, upload) => this.finish(upload),
    });
  }

  onApplicationBootstrap(): void {
    this.cleanup = this.clock.setInterval(() => void this.server.cleanUpExpiredUploads().catch(() => undefined), 3_600_000);
  }

  onApplicationShutdown(): void {
    this.clock.clearInterval(this.cleanup);
  }

  /** Serves one tus request of `uploaderId` (authenticated by the caller). */
  handle(uploaderId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.headers[UPLOADER_HEADER] = uploaderId;
    return this.server.handle(req, res);
  }

  private async finish(upload: Upload): Promise<{ status_code: number; headers: Record<string, string>; body: string }> {
    try {
      const record = await this.media.upload(
        upload.metadata!.uploaderId!,
        optionsOf(upload.metadata),
        await this.staging.read(upload.id),
        upload.size,
        upload.id,
      );
      this.onStored(record);
      return { status_code: 200, headers: { 'Content-Type': 'application/json; charset=utf-8', 'Media-Id': record.mediaId }, body: JSON.stringify(record) };
    } catch (error) {
      throw asTusError(error);
    } finally {
      await this.staging.remove(upload.id).catch(() => undefined);
    }
  }
}
