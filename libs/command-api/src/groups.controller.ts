import { MediaLibrary } from '../../media/src/media-library.js';
import { Body, Controller, Delete, HttpCode, Inject, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthGuard, CurrentPrincipal } from '../../auth/src/auth.guard.js';
import type { Principal } from '../../auth/src/tokens.js';
import { GroupCommandsHandler } from '../../commands/src/group-commands.handler.js';
import { invalid } from '../../domain/src/errors.js';
import { ApiErrors } from '../../protocol/src/openapi/errors.js';
import { CreatedGroupResponse, EmptyResponse } from '../../protocol/src/openapi/responses.js';
import { AddMembersDto, CreateGroupDto, UpdateGroupDto } from '../../protocol/src/dto/group.dto.js';

@ApiTags('groups')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('v1/groups')
export class GroupsController {
  constructor(
    @Inject(GroupCommandsHandler) private readonly groups: GroupCommandsHandler,
    @Inject(MediaLibrary) private readonly media: MediaLibrary,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a group; the creator is a member and an admin' })
  @ApiCreatedResponse({ type: CreatedGroupResponse, description: 'the group is created' })
  @ApiErrors(400, 401, 403, 404, 413)
  create(@CurrentPrincipal() user: Principal, @Body() body: CreateGroupDto) {
    return this.groups.create(user.userId, body.name, body.members);
  }

  @Patch(':groupId')
  @HttpCode(200)
  @ApiOperation({ summary: "Change a group's name, description or icon (admins)" })
  @ApiOkResponse({ type: EmptyResponse, description: 'done: an empty object' })
  @ApiErrors(400, 401, 403, 404)
  async update(@CurrentPrincipal() user: Principal, @Param('groupId') groupId: string, @Body() body: UpdateGroupDto) {
    if (body.name === undefined && body.description === undefined && body.iconMediaId === undefined) {
      throw invalid('validation_failed', 'nothing to change', [{ field: '', message: 'give name, description or iconMediaId' }]);
    }
    if (body.iconMediaId) await this.media.assertUsable(user.userId, body.iconMediaId, 'image');
    await this.groups.change(groupId, user.userId, { type: 'UpdateGroup', ...body });
    return {};
  }

  @Post(':groupId/members')
  @HttpCode(200)
  @ApiOperation({ summary: 'Add members to a group (admins)' })
  @ApiOkResponse({ type: EmptyResponse, description: 'done: an empty object' })
  @ApiErrors(400, 401, 403, 404, 409, 413)
  async addMembers(@CurrentPrincipal() user: Principal, @Param('groupId') groupId: string, @Body() body: AddMembersDto) {
    await this.groups.change(groupId, user.userId, { type: 'AddMembers', userIds: body.userIds });
    return {};
  }

  @Delete(':groupId/members/:userId')
  @HttpCode(200)
  @ApiOperation({ summary: 'Remove a member from a group (admins)' })
  @ApiOkResponse({ type: EmptyResponse, description: 'done: an empty object' })
  @ApiErrors(401, 403, 404)
  async removeMember(@CurrentPrincipal() user: Principal, @Param('groupId') groupId: string, @Param('userId') userId: string) {
    await this.groups.change(groupId, user.userId, { type: 'RemoveMember', userId });
    return {};
  }

  @Post(':groupId/admins/:userId')
  @HttpCode(200)
  @ApiOperation({ summary: 'Make a member an admin (admins)' })
  @ApiOkResponse({ type: EmptyResponse, description: 'done: an empty object' })
  @ApiErrors(401, 403, 404, 409)
  async promote(@CurrentPrincipal() user: Principal, @Param('groupId') groupId: string, @Param('userId') userId: string) {
    await this.groups.change(groupId, user.userId, { type: 'PromoteAdmin', userId });
    return {};
  }

  @Delete(':groupId/admins/:userId')
  @HttpCode(200)
  @ApiOperation({ summary: 'Make an admin a plain member (admins)' })
  @ApiOkResponse({ type: EmptyResponse, description: 'done: an empty object' })
  @ApiErrors(401, 403, 404, 409)
  async demote(@CurrentPrincipal() user: Principal, @Param('groupId') groupId: string, @Param('userId') userId: string) {
    await this.groups.change(groupId, user.userId, { type: 'DemoteAdmin', userId });
    return {};
  }

  @Post(':groupId/leave')
  @HttpCode(200)
  @ApiOperation({ summary: 'Leave a group; the last admin leaving promotes the longest-standing member' })
  @ApiOkResponse({ type: EmptyResponse, description: 'done: an empty object' })
  @ApiErrors(401, 403, 404)
  async leave(@CurrentPrincipal() user: Principal, @Param('groupId') groupId: string) {
    await this.groups.change(groupId, user.userId, { type: 'LeaveGroup' });
    return {};
  }
}
