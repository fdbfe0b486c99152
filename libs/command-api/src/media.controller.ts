import { Controller, Delete, Head, HttpCode, Inject, Patch, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { PassThrough } from 'node:stream';
import { AuthGuard, CurrentPrincipal } from '../../auth/src/auth.guard.js';
import type { Principal } from '../../auth/src/tokens.js';
import { MediaLibrary } from '../../media/src/media-library.js';
import type { MediaKind } from '../../media/src/media-types.js';
import { ResumableUploads } from '../../media/src/resumable-uploads.js';
import { Thumbnailer } from '../../media/src/thumbnailer.js';
import { UploadMediaQueryDto } from '../../protocol/src/dto/media.dto.js';
import { ApiErrors } from '../../protocol/src/openapi/errors.js';
import { MediaResponse } from '../../protocol/src/openapi/responses.js';

const TUS_HEADERS = { name: 'Tus-Resumable', description: 'the tus protocol version: 1.0.0', required: true };

@ApiTags('media')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('v1/media')
export class MediaUploadController {
  constructor(
    @Inject(MediaLibrary) private readonly media: MediaLibrary,
    @Inject(Thumbnailer) private readonly thumbnailer: Thumbnailer,
    @Inject(ResumableUploads) private readonly resumable: ResumableUploads,
  ) {}

  /**
   * The body is the media's bytes, streamed to storage as they arrive. A refusal (413, 415)
   * answers at once and closes the connection rather than reading the rest.
   */
  @Post()
  @ApiOperation({ summary: 'Upload media in one request: the body is the bytes (any Content-Type; the type is found in the bytes)' })
  @ApiConsumes('application/octet-stream')
  @ApiCreatedResponse({ type: MediaResponse, description: 'stored; thumbnails says whether they are ready' })
  @ApiErrors(400, 401, 413, 415)
  async upload(@CurrentPrincipal() user: Principal, @Query() query: UploadMediaQueryDto, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const declared = request.headers['content-length'];
    // The request itself is never handed to the pipeline, which would destroy its socket on a refusal and leave no way to answer.
    const body = request.pipe(new PassThrough());
    try {
      const record = await this.media.upload(user.userId, { kind: query.kind as MediaKind, encrypted: query.encrypted === 'true' }, body, declared === undefined ? undefined : Number(declared));
      if (record.thumbnails === 'pending') this.thumbnailer.enqueue(record.mediaId);
      return record;
    } catch (error) {
      request.unpipe();
      if (!request.complete) response.setHeader('Connection', 'close');
      throw error;
    }
  }

  @Post('uploads')
  @HttpCode(201)
  @ApiOperation({ summary: 'Resumable upload (tus 1.0): create one; Upload-Length and Upload-Metadata "kind <base64>" (and "encrypted <base64 of true>")' })
  @ApiHeader(TUS_HEADERS)
  @ApiHeader({ name: 'Upload-Length', description: 'the size in bytes (required; at most the kind\'s limit, 413 beyond)', required: true })
  @ApiHeader({ name: 'Upload-Metadata', description: 'tus metadata: kind (image|video|audio|document), optionally encrypted (true)', required: true })
  @ApiCreatedResponse({ description: 'created: Location names the upload (/v1/media/uploads/{uploadId}); PATCH the bytes there', content: { 'text/plain': { schema: { type: 'string', description: 'empty' } } } })
  @ApiErrors(400, 401, 413)
  create(@CurrentPrincipal() user: Principal, @Req() request: Request, @Res() response: Response) {
    return this.resumable.handle(user.userId, request, response);
  }

  @Head('uploads/:uploadId')
  @ApiOperation({ summary: 'Resumable upload (tus 1.0): where to resume — Upload-Offset is the number of bytes the server holds' })
  @ApiHeader(TUS_HEADERS)
  @ApiOkResponse({ description: 'Upload-Offset and Upload-Length headers; no body', content: { 'text/plain': { schema: { type: 'string', description: 'empty' } } } })
  @ApiErrors(401, 404)
  offset(@CurrentPrincipal() user: Principal, @Req() request: Request, @Res() response: Response) {
    return this.resumable.handle(user.userId, request, response);
  }

  @Patch('uploads/:uploadId')
  @ApiOperation({ summary: 'Resumable upload (tus 1.0): the next bytes, from Upload-Offset (Content-Type application/offset+octet-stream); the PATCH that completes it answers 200 with the media' })
  @ApiHeader(TUS_HEADERS)
  @ApiHeader({ name: 'Upload-Offset', description: 'where these bytes start: the offset HEAD answered', required: true })
  @ApiConsumes('application/offset+octet-stream')
  @ApiOkResponse({ type: MediaResponse, description: 'the upload is complete and stored: the media (a PATCH that does not complete it answers 204 with the new Upload-Offset)' })
  @ApiErrors(400, 401, 404, 409, 413, 415)
  append(@CurrentPrincipal() user: Principal, @Req() request: Request, @Res() response: Response) {
    return this.resumable.handle(user.userId, request, response);
  }

  @Delete('uploads/:uploadId')
  @ApiOperation({ summary: 'Resumable upload (tus 1.0): abandon an unfinished upload (what was received is removed)' })
  @ApiHeader(TUS_HEADERS)
  @ApiResponse({ status: 204, description: 'removed', content: { 'text/plain': { schema: { type: 'string', description: 'empty' } } } })
  @ApiErrors(401, 404)
  abandon(@CurrentPrincipal() user: Principal, @Req() request: Request, @Res() response: Response) {
    return this.resumable.handle(user.userId, request, response);
  }
}
