import { randomUUID } from 'node:crypto';
import {
  Clock,
  decideGroupCommand,
  directConversationId,
  DomainError,
  GroupCommand,
  isGroupConversation,
  mayAddToGroups,
  newGroupId,
  notFound,
  streams,
  systemClock,
} from '../../domain/src/index.js';
import { AggregateStore } from './aggregate-store.js';
import { DirectConversationAggregate, GroupAggregate, PrivacyAggregate } from './aggregates.js';
import { UserDirectory } from './user-directory.js';

type WithoutActor<C> = C extends unknown ? Omit<C, 'groupId' | 'by' | 'now' | 'maxMembers'> : never;

/** Creating and changing groups: every change is one or more GroupChanged events on the group's stream. */
export class GroupCommandsHandler {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly users: UserDirectory,
    private readonly maxMembers: number,
    private readonly clock: Clock = systemClock,
  ) {}

  async create(by: string, name: string, memberIds: string[]): Promise<{ groupId: string; conversationId: string }> {
    await this.users.assertExist(memberIds);
    await this.assertMayAdd(by, memberIds);
    const groupId = newGroupId(randomUUID());
    await this.change(groupId, by, { type: 'CreateGroup', name, memberIds });
    return { groupId, conversationId: groupId };
  }

  /** Each added user's own say (their `groupAdd` setting and blocks), read from their streams: exact, no read model. */
  private async assertMayAdd(by: string, userIds: string[]): Promise<void> {
    const others = [...new Set(userIds)].filter((id) => id !== by);
    const allowed = await Promise.all(
      others.map(async (userId) => {
        const [privacy, chat] = await Promise.all([
          this.aggregates.load(streams.privacy(userId), PrivacyAggregate, true),
          this.aggregates.load(streams.conversation(directConversationId(by, userId)), DirectConversationAggregate, true),
        ]);
        return mayAddToGroups(privacy.state, by, chat.state.blockers.has(userId));
      }),
    );
    const refused = others.filter((_, i) => !allowed[i]);
    if (refused.length > 0) {
      throw new DomainError('forbidden', 'group_add_not_allowed', 'some users do not let you add them to groups', { userIds: refused });
    }
  }

  async change(groupId: string, by: string, command: WithoutActor<GroupCommand>): Promise<void> {
    if (!isGroupConversation(groupId)) throw notFound('group_not_found', 'no group with that id');
    if (command.type === 'AddMembers') {
      await this.users.assertExist(command.userIds);
      await this.assertMayAdd(by, command.userIds);
    }
    await this.aggregates.execute(streams.conversation(groupId), GroupAggregate, (state) => ({
      events: decideGroupCommand({ ...command, groupId, by, now: this.clock.now(), maxMembers: this.maxMembers } as GroupCommand, state),
      result: undefined,
    }));
  }
}
