import { randomUUID } from 'node:crypto';
import { decideGroupCommand, GroupCommand, isGroupConversation, newGroupId, notFound, streams } from '../../domain/src/index.js';
import { AggregateStore } from './aggregate-store.js';
import { GroupAggregate } from './aggregates.js';
import { UserDirectory } from './user-directory.js';

type WithoutActor<C> = C extends unknown ? Omit<C, 'groupId' | 'by' | 'now' | 'maxMembers'> : never;

/** Creating and changing groups: every change is one or more GroupChanged events on the group's stream. */
export class GroupCommandsHandler {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly users: UserDirectory,
    private readonly maxMembers: number,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async create(by: string, name: string, memberIds: string[]): Promise<{ groupId: string; conversationId: string }> {
    await this.users.assertExist(memberIds);
    const groupId = newGroupId(randomUUID());
    await this.change(groupId, by, { type: 'CreateGroup', name, memberIds });
    return { groupId, conversationId: groupId };
  }

  async change(groupId: string, by: string, command: WithoutActor<GroupCommand>): Promise<void> {
    if (!isGroupConversation(groupId)) throw notFound('group_not_found', 'no group with that id');
    if (command.type === 'AddMembers') await this.users.assertExist(command.userIds);
    await this.aggregates.execute(streams.conversation(groupId), GroupAggregate, (state) => ({
      events: decideGroupCommand({ ...command, groupId, by, now: this.clock(), maxMembers: this.maxMembers } as GroupCommand, state),
      result: undefined,
    }));
  }
}
