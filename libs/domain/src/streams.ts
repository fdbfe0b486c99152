import { createHash } from 'node:crypto';

/** One place that names every stream, so adapters, projections and audits agree. */
export const streams = {
  user: (userId: string) => `user-${userId}`,
  conversation: (conversationId: string) => `conversation-${conversationId}`,
  receipts: (conversationId: string, userId: string) => `receipts-${conversationId}-${userId}`,
  presence: (userId: string) => `presence-${userId}`,
  privacy: (userId: string) => `privacy-${userId}`,
  callLine: (userId: string) => `callline-${userId}`,
};

/** The idempotency key of a send, claimed in the event store: a sender's clientMsgId names one message, whatever the conversation. */
export const sendClaim = (senderId: string, clientMsgId: string) =>
  'send-' + createHash('sha256').update(`${senderId}\u0000${clientMsgId}`).digest('base64url');

/** The conversation a `conversation-…` stream belongs to. */
export const conversationOfStream = (streamId: string) => streamId.slice('conversation-'.length);

/** Group ids are minted by the server; the group's conversationId is its groupId. */
export const newGroupId = (uuid: string) => 'g' + uuid.replace(/-/g, '');

export const isGroupConversation = (conversationId: string) => conversationId.startsWith('g');

/** A direct chat's id is the same for both participants and never changes. */
export function directConversationId(userA: string, userB: string): string {
  const [first, second] = [userA, userB].sort();
  return 'd' + createHash('sha256').update(`${first}\u0000${second}`).digest('base64url').slice(0, 26);
}
