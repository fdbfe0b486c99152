import type { EntityManager } from 'typeorm';
import { HandledBy, Projection } from './projection.js';

/**
 * Groups, their current members and roles, and membership over time: a member sees messages
 * with from_seq < seq <= to_seq. Leaving and rejoining with no message in between reopens the
 * same interval.
 */
export class GroupsProjection implements Projection {
  readonly name = 'groups';
  readonly handles = ['GroupChanged'] as const;

  async apply(db: EntityManager, events: HandledBy<GroupsProjection>[]): Promise<void> {
    // Group changes are rare next to messages, and their order matters (leave, then rejoin).
    for (const { data } of events) {
      const { groupId, change, at, atSeq, by } = data;
      const join = async (userIds: string[], roles: string[]) => {
        await db.query(
          `INSERT INTO group_members (group_id, user_id, role, joined_at)
           SELECT $1, u, r, $4 FROM unnest($2::text[], $3::text[]) AS t(u, r) ON CONFLICT DO NOTHING`,
          [groupId, userIds, roles, at],
        );
        await db.query(
          `INSERT INTO group_memberships (group_id, user_id, from_seq)
           SELECT $1, unnest($2::text[]), $3
           ON CONFLICT (group_id, user_id, from_seq) DO UPDATE SET to_seq = NULL`,
          [groupId, userIds, atSeq],
        );
      };
      switch (change.kind) {
        case 'created':
          await db.query(
            `INSERT INTO groups (group_id, name, description, icon_media_id, created_at, created_by)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
            [groupId, change.name, change.description, change.iconMediaId, at, by],
          );
          await join(change.members.map((m) => m.userId), change.members.map((m) => m.role));
          break;
        case 'updated':
          await db.query(
            `UPDATE groups SET name = coalesce($2, name), description = coalesce($3, description),
               icon_media_id = CASE WHEN $4::boolean THEN $5 ELSE icon_media_id END
             WHERE group_id = $1`,
            [groupId, change.name ?? null, change.description ?? null, change.iconMediaId !== undefined, change.iconMediaId ?? null],
          );
          break;
        case 'members_added':
          await join(change.userIds, change.userIds.map(() => 'member'));
          break;
        case 'member_removed':
        case 'member_left':
          await db.query('DELETE FROM group_members WHERE group_id = $1 AND user_id = $2', [groupId, change.userId]);
          await db.query('UPDATE group_memberships SET to_seq = $3 WHERE group_id = $1 AND user_id = $2 AND to_seq IS NULL', [
            groupId,
            change.userId,
            atSeq,
          ]);
          break;
        case 'admin_promoted':
        case 'admin_demoted':
          await db.query('UPDATE group_members SET role = $3 WHERE group_id = $1 AND user_id = $2', [
            groupId,
            change.userId,
            change.kind === 'admin_promoted' ? 'admin' : 'member',
          ]);
          break;
      }
    }
  }
}
