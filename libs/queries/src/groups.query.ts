import type { DataSource } from 'typeorm';
import { forbidden, notFound } from '../../domain/src/errors.js';

export interface GroupView {
  groupId: string;
  name: string;
  description: string;
  iconMediaId: string | null;
  members: { userId: string; role: 'admin' | 'member'; joinedAt: string }[];
  createdAt: string;
}

export class GroupsQuery {
  constructor(private readonly db: DataSource) {}

  /** Members only. */
  async group(userId: string, groupId: string): Promise<GroupView> {
    const groups: { name: string; description: string; icon_media_id: string | null; created_at: Date }[] = await this.db.query(
      'SELECT name, description, icon_media_id, created_at FROM groups WHERE group_id = $1',
      [groupId],
    );
    if (groups.length === 0) throw notFound('group_not_found', 'no group with that id');
    const members: { user_id: string; role: 'admin' | 'member'; joined_at: Date }[] = await this.db.query(
      'SELECT user_id, role, joined_at FROM group_members WHERE group_id = $1 ORDER BY joined_at, user_id',
      [groupId],
    );
    if (!members.some((m) => m.user_id === userId)) throw forbidden('not_a_member', 'you are not a member of this group');
    const [group] = groups;
    return {
      groupId,
      name: group.name,
      description: group.description,
      iconMediaId: group.icon_media_id,
      members: members.map((m) => ({ userId: m.user_id, role: m.role, joinedAt: m.joined_at.toISOString() })),
      createdAt: group.created_at.toISOString(),
    };
  }
}
