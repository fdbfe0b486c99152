/** The thumbnails made of each image (and video, where a first frame can be taken), by name. */
export const THUMBNAIL_SIZE_NAMES = ['small', 'medium'] as const;
export type ThumbnailSize = (typeof THUMBNAIL_SIZE_NAMES)[number];

/** Where a media object and its thumbnails are fetched (docs/protocol.md, "Media"). */
export const mediaPaths = (mediaId: string) => ({
  content: `/v1/media/${encodeURIComponent(mediaId)}/content`,
  thumbnail: (size: ThumbnailSize) => `/v1/media/${encodeURIComponent(mediaId)}/thumbnails/${size}`,
});
