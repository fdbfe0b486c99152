import { Body, Controller, Delete, HttpCode, Inject, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AuthGuard, CurrentPrincipal } from '../../../libs/auth/src/auth.guard.js';
import type { Principal } from '../../../libs/auth/src/tokens.js';
import { GroupCommandsHandler } from '../../../libs/commands/src/group-commands.handler.js';
import { invalid } from '../../../libs/domain/src/errors.js';
import { AddMembersDto, CreateGroupDto, UpdateGroupDto } from '../../../libs/protocol/src/dto/group.dto.js';

@ApiTags('groups')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('v1/groups')
export class GroupsController {
  constructor(@Inject(GroupCommandsHandler) private readonly groups: GroupCommandsHandler) {}

  @Post()
  create(@CurrentPrincipal() user: Principal, @Body() body: CreateGroupDto) {
    return this.groups.create(user.userId, body.name, body.members);
  }

  @Patch(':groupId')
  @HttpCode(200)
  async update(@CurrentPrincipal() user: Principal, @Param('groupId') groupId: string, @Body() body: UpdateGroupDto) {
    if (body.name === undefined && body.description === undefined && body.iconMediaId === undefined) {
      throw invalid('validation_failed', 'nothing to change', [{ field: '', message: 'give name, description or iconMediaId' }]);
    }
    await this.groups.change(groupId, user.userId, { type: 'UpdateGroup', ...body });
    return {};
  }

  @Post(':groupId/members')
  @HttpCode(200)
  async addMembers(@CurrentPrincipal() user: Principal, @Param('groupId') groupId: string, @Body() body: AddMembersDto) {
    await this.groups.change(groupId, user.userId, { type: 'AddMembers', userIds: body.userIds });
    return {};
  }

  @Delete(':groupId/members/:userId')
  @HttpCode(200)
  async removeMember(@CurrentPrincipal() user: Principal, @Param('groupId') groupId: string, @Param('userId') userId: string) {
    await this.groups.change(groupId, user.userId, { type: 'RemoveMember', userId });
    return {};
  }

  @Post(':groupId/admins/:userId')
  @HttpCode(200)
  async promote(@CurrentPrincipal() user: Principal, @Param('groupId') groupId: string, @Param('userId') userId: string) {
    await this.groups.change(groupId, user.userId, { type: 'PromoteAdmin', userId });
    return {};
  }

  @Delete(':groupId/admins/:userId')
  @HttpCode(200)
  async demote(@CurrentPrincipal() user: Principal, @Param('groupId') groupId: string, @Param('userId') userId: string) {
    await this.groups.change(groupId, user.userId, { type: 'DemoteAdmin', userId });
    return {};
  }

  @Post(':groupId/leave')
  @HttpCode(200)
  async leave(@CurrentPrincipal() user: Principal, @Param('groupId') groupId: string) {
    await this.groups.change(groupId, user.userId, { type: 'LeaveGroup' });
    return {};
  }
}
