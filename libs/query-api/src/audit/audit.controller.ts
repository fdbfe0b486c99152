import { applyDecorators, Controller, Get, Headers, Inject, Param, Query, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuditLog } from '../../../audit/src/audit-log.js';
import { drainedOrClosed } from '../../../net/src/drained.js';
import { LiveTail } from '../../../audit/src/live-tail.js';
import { EventView, ReplayFilter, ReplayQuery, ReplayScope, toEventView } from '../../../audit/src/replay.js';
import { ConversationHistory } from '../../../audit/src/state-as-of.js';
import { isAnalyticsEvent, toCloudEvent } from '../../../analytics/src/cloudevents.js';
import type { RolePrincipal } from '../../../auth/src/role-tokens.js';
import { forbidden, invalid, notFound } from '../../../domain/src/errors.js';
import { isGroupConversation } from '../../../domain/src/streams.js';
import { EVENT_STORE, EventStore } from '../../../event-store/src/event-store.port.js';
import {
  AuditReadsQueryDto,
  LogReplayQueryDto,
  ReplayQueryDto,
  StateAsOfQueryDto,
  TailQueryDto,
} from '../../../protocol/src/dto/audit.dto.js';
import { AuditReadsResponse, ConversationAsOfResponse, EventViewResponse, ReplayPageResponse } from '../../../protocol/src/openapi/audit.js';
import { ApiErrors } from '../../../protocol/src/openapi/errors.js';
import { AllowRoles, AuditGuard, AuditReadInterceptor, CurrentAuditor } from './audit.guard.js';
import { isCursor } from '../../../protocol/src/cursor.js';

function filterOf(query: { type?: string; stream?: string; streamPrefix?: string; from?: string; to?: string }): ReplayFilter {
  const filter: ReplayFilter = {};
  if (query.type) filter.types = query.type.split(',');
  if (query.stream) filter.streams = query.stream.split(',');
  if (query.streamPrefix) filter.streamPrefix = query.streamPrefix;
  if (query.from) filter.from = new Date(query.from);
  if (query.to) filter.to = new Date(query.to);
  if (filter.from && filter.to && filter.from.getTime() >= filter.to.getTime()) {
    throw invalid('validation_failed', 'the request has invalid fields', [{ field: 'to', message: 'to must be later than from' }]);
  }
  return filter;
}

/** A page of events as JSON, or with format=ndjson the whole export, one event per line. */
const ApiReplay = () =>
  applyDecorators(
    ApiProduces('application/json', 'application/x-ndjson'),
    ApiOkResponse({
      description: 'a page of events; with format=ndjson the whole export, one event (EventViewResponse) per line',
      content: {
        'application/json': { schema: { $ref: getSchemaPath(ReplayPageResponse) } },
        'application/x-ndjson': { schema: { type: 'string', description: 'one EventViewResponse JSON object per line' } },
      },
    }),
  );

/** Streams the export one page at a time, waiting for the socket to drain: never the whole export in memory. */
async function writeNdjson(res: Response, pages: AsyncGenerator<EventView[]>): Promise<void> {
  let started = false;
  try {
    for await (const page of pages) {
      if (!started) {
        res.status(200).setHeader('content-type', 'application/x-ndjson; charset=utf-8');
        started = true;
      }
      if (res.destroyed) return;
      if (!res.write(page.map((event) => JSON.stringify(event)).join('\n') + '\n')) await drainedOrClosed(res);
    }
    if (!started) res.status(200).setHeader('content-type', 'application/x-ndjson; charset=utf-8');
    res.end();
  } catch (error) {
    if (!started) throw error;
    res.destroy(error as Error);
  }
}

@ApiTags('audit')
@ApiBearerAuth()
@ApiExtraModels(ReplayPageResponse, EventViewResponse)
@UseGuards(AuditGuard)
@UseInterceptors(AuditReadInterceptor)
@Controller('v1/audit')
export class AuditController {
  constructor(
    @Inject(ReplayQuery) private readonly replay: ReplayQuery,
    @Inject(ConversationHistory) private readonly history: ConversationHistory,
    @Inject(AuditLog) private readonly auditLog: AuditLog,
    @Inject(LiveTail) private readonly tails: LiveTail,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Get('events')
  @ApiOperation({ summary: 'The whole event log from a cursor, filtered; json pages or an ndjson export' })
  @ApiReplay()
  @ApiErrors(400, 401, 403)
  log(@Query() query: LogReplayQueryDto, @Res() res: Response) {
    return this.respond(res, { kind: 'all' }, query, filterOf(query));
  }

  @Get('streams/:streamId/events')
  @ApiOperation({ summary: 'One stream by its id' })
  @ApiReplay()
  @ApiErrors(400, 401, 403, 404)
  async stream(@Param('streamId') streamId: string, @Query() query: ReplayQueryDto, @Res() res: Response) {
    const filter = filterOf(query);
    if ((await this.store.readStream(streamId)).length === 0) throw notFound('stream_not_found', 'no stream with that id');
    return this.respond(res, { kind: 'streams', streamIds: [streamId] }, query, filter);
  }

  @Get('conversations/:conversationId/events')
  @ApiOperation({ summary: "A conversation (direct or group): its stream and its participants' receipts" })
  @ApiReplay()
  @ApiErrors(400, 401, 403, 404)
  async conversation(@Param('conversationId') conversationId: string, @Query() query: ReplayQueryDto, @Res() res: Response) {
    const filter = filterOf(query);
    const streamIds = await this.replay.conversationStreams(conversationId);
    if (!streamIds) throw notFound('conversation_not_found', 'no conversation with that id');
    return this.respond(res, { kind: 'streams', streamIds }, query, filter);
  }

  @Get('groups/:groupId/events')
  @ApiOperation({ summary: "A group: its stream (changes and messages) and its members' receipts" })
  @ApiReplay()
  @ApiErrors(400, 401, 403, 404)
  async group(@Param('groupId') groupId: string, @Query() query: ReplayQueryDto, @Res() res: Response) {
    const filter = filterOf(query);
    const streamIds = isGroupConversation(groupId) ? await this.replay.conversationStreams(groupId) : null;
    if (!streamIds) throw notFound('group_not_found', 'no group with that id');
    return this.respond(res, { kind: 'streams', streamIds }, query, filter);
  }

  @Get('users/:userId/events')
  @ApiOperation({ summary: "A user's own streams: registration and devices, and connections" })
  @ApiReplay()
  @ApiErrors(400, 401, 403, 404)
  async user(@Param('userId') userId: string, @Query() query: ReplayQueryDto, @Res() res: Response) {
    const filter = filterOf(query);
    const streamIds = this.replay.userStreams(userId);
    if ((await this.store.readStream(streamIds[0])).length === 0) throw notFound('user_not_found', 'no user with that id');
    return this.respond(res, { kind: 'streams', streamIds }, query, filter);
  }

  @Get('conversations/:conversationId/state')
  @ApiOperation({ summary: 'A conversation (direct or group) as it was at a moment: members, settings, messages and their receipts' })
  @ApiOkResponse({ type: ConversationAsOfResponse, description: 'the state at the moment `at`' })
  @ApiErrors(400, 401, 403, 404)
  async conversationState(@Param('conversationId') conversationId: string, @Query() query: StateAsOfQueryDto, @Res() res: Response) {
    res.json(await this.history.stateAt(conversationId, new Date(query.at), query));
  }

  @Get('groups/:groupId/state')
  @ApiOperation({ summary: 'A group as it was at a moment' })
  @ApiOkResponse({ type: ConversationAsOfResponse, description: 'the state at the moment `at`' })
  @ApiErrors(400, 401, 403, 404)
  async groupState(@Param('groupId') groupId: string, @Query() query: StateAsOfQueryDto, @Res() res: Response) {
    if (!isGroupConversation(groupId)) throw notFound('group_not_found', 'no group with that id');
    const state = await this.history.stateAt(groupId, new Date(query.at), query).catch((error) => {
      throw error?.code === 'conversation_not_found' ? notFound('group_not_found', 'no group with that id') : error;
    });
    res.json(state);
  }

  @Get('reads')
  @ApiOperation({ summary: 'The audit log: who read what, when (this read included)' })
  @ApiOkResponse({ type: AuditReadsResponse, description: 'a page of audit reads' })
  @ApiErrors(400, 401, 403)
  async reads(@Query() query: AuditReadsQueryDto, @Res() res: Response) {
    res.json(await this.auditLog.list({ after: BigInt(query.after ?? '0'), limit: query.limit ?? 100, auditor: query.auditor }));
  }

  @Get('tail')
  @AllowRoles('auditor', 'analytics')
  @ApiOperation({ summary: 'Live tail (server-sent events): id = position; resume with Last-Event-ID or ?after=' })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description: 'server-sent events: each `data:` an EventViewResponse, or a CloudEvent with format=cloudevents',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  @ApiErrors(400, 401, 403)
  @ApiHeader({ name: 'Last-Event-ID', required: false })
  async tail(
    @CurrentAuditor() who: RolePrincipal,
    @Query() query: TailQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() res: Response,
  ) {
    if (lastEventId !== undefined && !isCursor(lastEventId)) {
      throw invalid('validation_failed', 'the request has invalid fields', [{ field: 'Last-Event-ID', message: 'must be a cursor received from this server' }]);
    }
    const format = query.format ?? (who.role === 'analytics' ? 'cloudevents' : 'events');
    if (who.role === 'analytics' && format !== 'cloudevents') {
      throw forbidden('cloudevents_only', 'analytics tokens receive only the redacted CloudEvents envelope (format=cloudevents)');
    }
    const filter = filterOf(query);
    const cursor = lastEventId ?? query.after;
    const after = cursor !== undefined ? BigInt(cursor) : await this.store.headPosition();
    this.tails.serve(res, {
      after,
      filter,
      include: format === 'cloudevents' ? isAnalyticsEvent : undefined,
      render: format === 'cloudevents' ? (event) => toCloudEvent(event) : toEventView,
    });
  }

  private async respond(res: Response, scope: ReplayScope, query: ReplayQueryDto, filter: ReplayFilter): Promise<void> {
    const after = BigInt(query.after ?? '0');
    if (query.format === 'ndjson') return writeNdjson(res, this.replay.export(scope, filter, after));
    res.json(await this.replay.page(scope, filter, after, query.limit ?? 100));
  }
}
