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

/** The request's Upload-Metadata; none when absent or malformed (the POST is then refused for its kind). */
function metadataOf(header: string | null): Record<string, string | null> {
  try {
    return header ? Metadata.parse(header) : {};
  } catch {
    return {};
  }
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
  /** Whose request each one being served is (its caller was authenticated before it was handed over). */
  private readonly uploaders = new WeakMap<object, string>();

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
        // On the POST that creates it the upload has an id but is not stored yet: its metadata is in the request.
        const metadata = req.method === 'POST' || !uploadId ? metadataOf(req.headers.get('upload-metadata')) : (await staging.getUpload(uploadId)).metadata;
        const kind = metadata?.kind;
        // No kind yet: the largest limit here, and onUploadCreate answers 400.
        return MEDIA_KINDS.includes(kind as MediaKind) ? media.maxBytes(kind as MediaKind) : Math.max(...MEDIA_KINDS.map((k) => media.maxBytes(k as MediaKind)));
      },
      onUploadCreate: async (req, upload) => {
        try {
          optionsOf(upload.metadata);
          if (upload.size === undefined) throw new DomainError('invalid', 'upload_length_required', 'give Upload-Length: a deferred length is not accepted');
        } catch (error) {
          throw asTusError(error);
        }
        return { metadata: { ...upload.metadata, uploaderId: this.uploaderOf(req) } };
      },
      onIncomingRequest: async (req, uploadId) => {
        if (req.method === 'POST' || req.method === 'OPTIONS') return;
        const upload = await staging.getUpload(uploadId).catch(() => null);
        if (upload && upload.metadata?.uploaderId !== this.uploaderOf(req)) {
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
    this.uploaders.set(req, uploaderId);
    return this.server.handle(req, res);
  }

  /** The caller of a request the tus server passes back (it wraps the Node request it was given). */
  private uploaderOf(req: { runtime?: { node?: { req?: object } } }): string | null {
    const node = req.runtime?.node?.req;
    return (node && this.uploaders.get(node)) ?? null;
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
