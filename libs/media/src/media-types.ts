import type { MessageKind } from '../../domain/src/events.js';
import type { ThumbnailSize } from '../../protocol/src/media.js';

export type { ThumbnailSize };

export type MediaKind = Extract<MessageKind, 'image' | 'video' | 'audio' | 'document'>;

/** Images the thumbnailer (sharp) can read: what an image upload must be. */
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/heic', 'image/heif', 'image/tiff', 'image/bmp']);
/** Containers that hold audio only in practice, though their detected type names video. */
const AUDIO_IN_VIDEO_CONTAINERS = new Set(['video/webm', 'video/mp4', 'video/ogg', 'video/3gpp']);

/** What an opaque (client-encrypted) or undetectable document is served as. */
export const OPAQUE_TYPE = 'application/octet-stream';

/** How many leading bytes the type detection reads (file-type's `reasonableDetectionSizeInBytes`). */
export const SNIFF_BYTES = 4100;

/**
 * The type to store for an upload declared as `kind` whose bytes were detected as `detected`
 * (undefined: no known signature), or null when the bytes are not of that kind. The header's
 * Content-Type is never consulted.
 */
export function acceptedType(kind: MediaKind, detected: string | undefined): string | null {
  switch (kind) {
    case 'image':
      return detected && IMAGE_TYPES.has(detected) ? detected : null;
    case 'video':
      return detected?.startsWith('video/') ? detected : null;
    case 'audio':
      return detected && (detected.startsWith('audio/') || AUDIO_IN_VIDEO_CONTAINERS.has(detected)) ? detected : null;
    case 'document':
      return detected ?? OPAQUE_TYPE;
  }
}

export interface MediaLimits {
  /** image, video, audio */
  maxBytes: number;
  maxDocumentBytes: number;
}

export const maxBytesOf = (kind: MediaKind, limits: MediaLimits): number => (kind === 'document' ? limits.maxDocumentBytes : limits.maxBytes);

/** Thumbnails a chat needs: `small` for the chat list and quotes, `medium` for the bubble in the chat view. */
export const THUMBNAIL_SIZES: Record<ThumbnailSize, { width: number; height: number; fit: 'cover' | 'inside' }> = {
  small: { width: 96, height: 96, fit: 'cover' },
  medium: { width: 480, height: 480, fit: 'inside' },
};

/** pending: being made; ready: `small` and `medium` can be fetched; none: not made for this media; failed: the bytes could not be read as a picture. */
export type ThumbnailState = 'pending' | 'ready' | 'none' | 'failed';
