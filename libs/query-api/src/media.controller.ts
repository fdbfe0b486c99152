import { Controller, Get, Inject, Param, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuthGuard, CurrentPrincipal } from '../../auth/src/auth.guard.js';
import type { Principal } from '../../auth/src/tokens.js';
import { DomainError } from '../../domain/src/errors.js';
import { MediaLibrary, type MediaRecord, type MediaVariant } from '../../media/src/media-library.js';
import { OPAQUE_TYPE } from '../../media/src/media-types.js';
import { ThumbnailParamsDto } from '../../protocol/src/dto/media.dto.js';
import { ApiErrors } from '../../protocol/src/openapi/errors.js';
import { MediaResponse } from '../../protocol/src/openapi/responses.js';
import { ReadYourWrites } from '../../queries/src/read-your-writes.js';

/** A media object never changes under its id: caches may keep it for good, but only for the user who fetched it. */
const CACHE_CONTROL = 'private, max-age=31536000, immutable';
const BYTES = { content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } };

/**
 * Reads are behind the read-your-writes fence: a recipient who fetches the media of a message
 * the moment its frame arrives is checked against read models that already hold the message.
 */
@ApiTags('media')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@UseInterceptors(ReadYourWrites)
@Controller('v1/media')
export class MediaController {
  constructor(@Inject(MediaLibrary) private readonly media: MediaLibrary) {}

  @Get(':mediaId')
  @ApiOperation({ summary: "A media object's description: type, size, SHA-256, dimensions and whether its thumbnails are ready" })
  @ApiOkResponse({ type: MediaResponse, description: 'the media' })
  @ApiErrors(401, 403, 404, 503)
  describe(@CurrentPrincipal() user: Principal, @Param('mediaId') mediaId: string) {
    return this.media.fetchableBy(user.userId, mediaId);
  }

  @Get(':mediaId/content')
  @ApiOperation({ summary: 'The media\'s bytes, as uploaded; a Range header (bytes=first-last) answers 206 with that part (audio and video seek this way)' })
  @ApiHeader({ name: 'Range', required: false, description: 'one byte range, e.g. bytes=0-1023' })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'the whole media (Content-Type: its detected type; ETag: its SHA-256; Accept-Ranges: bytes)', ...BYTES })
  @ApiResponse({ status: 206, description: 'the requested range (Content-Range)', ...BYTES })
  @ApiResponse({ status: 304, description: 'If-None-Match named its ETag: the cached copy is current' })
  @ApiErrors(401, 403, 404, 416, 503)
  async content(@CurrentPrincipal() user: Principal, @Param('mediaId') mediaId: string, @Req() request: Request, @Res() response: Response) {
    const record = await this.media.fetchableBy(user.userId, mediaId);
    await this.send(record, 'original', record.encrypted ? OPAQUE_TYPE : record.mimeType, request, response);
  }

  @Get(':mediaId/thumbnails/:size')
  @ApiOperation({ summary: 'A thumbnail of an image or video (JPEG): small (96×96, cropped) for the chat list, medium (within 480×480) for the chat view' })
  @ApiProduces('image/jpeg')
  @ApiOkResponse({ description: 'the thumbnail', content: { 'image/jpeg': { schema: { type: 'string', format: 'binary' } } } })
  @ApiErrors(400, 401, 403, 404, 503)
  async thumbnail(@CurrentPrincipal() user: Principal, @Param() params: ThumbnailParamsDto, @Param('mediaId') mediaId: string, @Req() request: Request, @Res() response: Response) {
    const record = await this.media.fetchableBy(user.userId, mediaId);
    if (record.thumbnails === 'pending') {
      throw new DomainError('unavailable', 'thumbnails_pending', 'the thumbnails are being made; retry shortly', { retryAfterSeconds: 1 });
    }
    if (record.thumbnails !== 'ready') throw new DomainError('not_found', 'thumbnail_not_found', `this media has no thumbnails (${record.thumbnails})`);
    await this.send(record, params.size, 'image/jpeg', request, response);
  }

  private async send(record: MediaRecord, variant: MediaVariant, type: string, request: Request, response: Response): Promise<void> {
    const etag = `"${record.sha256}${variant === 'original' ? '' : `-${variant}`}"`;
    response.setHeader('Cache-Control', CACHE_CONTROL);
    response.setHeader('ETag', etag);
    response.setHeader('Accept-Ranges', 'bytes');
    if (request.headers['if-none-match'] === etag) {
      response.status(304).end();
      return;
    }
    const size = variant === 'original' ? record.size : undefined;
    // Express parses Range (range-parser, which clamps it to the size); one range is served, several are answered whole (RFC 9110 allows it).
    const ranges = request.headers.range && size !== undefined ? request.range(size, { combine: true }) : undefined;
    if (ranges === -1) {
      throw new DomainError('range_not_satisfiable', 'range_not_satisfiable', `the media has ${size} bytes`, { size });
    }
    const range = Array.isArray(ranges) && ranges.type === 'bytes' && ranges.length === 1 ? ranges[0] : undefined;
    const read = await this.media.read(record, variant, range);
    response.setHeader('Content-Type', type);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    // Never rendered as a page of this origin, whatever the bytes are.
    response.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    if (record.kind === 'document' || record.encrypted) response.setHeader('Content-Disposition', 'attachment');
    if (range) {
      response.status(206);
      response.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${read.size}`);
      response.setHeader('Content-Length', String(range.end - range.start + 1));
    } else {
      response.status(200);
      response.setHeader('Content-Length', String(read.size));
    }
    read.stream.on('error', () => response.destroy());
    read.stream.pipe(response);
  }
}
