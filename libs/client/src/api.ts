// Every route of docs/protocol.md as a typed method. Response types come from libs/protocol by
// `import type` only, so no decorator, validator or Nest code reaches a browser bundle.
import type {
  CallHistoryItemResponse,
  IceConfigurationResponse,
  ContactResponse,
  CreatedGroupResponse,
  DeletedMessageResponse,
  DeviceResponse,
  DisappearingTimerResponse,
  EditedMessageResponse,
  ForwardedMessagesResponse,
  GroupResponse,
  HistoryMessageResponse,
  InboxItemResponse,
  MediaResponse,
  LoggedInResponse,
  MeResponse,
  MessageReceiptsResponse,
  PresenceResponse,
  ProfileResponse,
  ReactionResponse,
  SentMessageResponse,
  StarredMessageResponse,
  StarResponse,
  SyncContactsResponse,
} from '../../protocol/src/openapi/responses.js';
import type { EventView as AuditEvent, ReplayPage as AuditPage } from '../../audit/src/replay.js';
import type { ConversationAsOf as AuditState } from '../../audit/src/state-as-of.js';
import { HttpClient, type HttpOptions } from './http.js';

export type MediaKind = 'image' | 'video' | 'audio' | 'document';
/** What of a media object can be fetched: its bytes, or a thumbnail (small: the chat list and quotes; medium: the chat view). */
export type MediaVariant = 'content' | 'small' | 'medium';

export type Recipient = { userId: string } | { groupId: string };
export type Audience = 'everyone' | 'contacts' | 'nobody';
export type PrivacySettings = MeResponse['privacy'];

export interface SendRequest {
  clientMsgId: string;
  to: Recipient;
  kind: 'text' | 'image' | 'video' | 'audio' | 'document' | 'location' | 'contact';
  body?: string;
  mediaId?: string;
  replyTo?: string;
  forwardOf?: string;
}

export type { AuditEvent, AuditPage, AuditState };
export type {
  CallHistoryItemResponse as CallHistoryItem,
  ContactResponse as Contact,
  DeviceResponse as Device,
  GroupResponse as Group,
  HistoryMessageResponse as HistoryMessage,
  InboxItemResponse as InboxItem,
  LoggedInResponse as Session,
  MediaResponse as Media,
  MeResponse as Me,
  MessageReceiptsResponse as MessageReceipts,
  PresenceResponse as Presence,
  ProfileResponse as Profile,
  SentMessageResponse as SentMessage,
  StarredMessageResponse as StarredMessage,
};

const path = (strings: TemplateStringsArray, ...ids: (string | number)[]) =>
  strings.reduce((out, part, i) => out + part + (i < ids.length ? encodeURIComponent(String(ids[i])) : ''), '');

const query = (params: Record<string, string | number | undefined>) => {
  const pairs = Object.entries(params).filter(([, v]) => v !== undefined) as [string, string | number][];
  return pairs.length ? '?' + pairs.map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&') : '';
};

/** The protocol's routes for one signed-in device (or none, for signing in). */
export class MessengerApi {
  readonly http: HttpClient;

  constructor(baseUrl: string, public token: string | null = null, options?: HttpOptions) {
    this.http = new HttpClient(baseUrl, options);
  }

  private call<T>(method: string, route: string, body?: unknown): Promise<T> {
    return this.http.call<T>(method, route, body, { token: this.token });
  }

  // ---- accounts
  requestCode(phone: string) {
    return this.call<{ devCode?: string }>('POST', '/v1/auth/request-code', { phone });
  }
  verify(phone: string, code: string, deviceName?: string) {
    return this.call<LoggedInResponse>('POST', '/v1/auth/verify', { phone, code, deviceName });
  }

  // ---- sending and message actions
  send(message: SendRequest) {
    return this.call<SentMessageResponse>('POST', '/v1/messages', message);
  }
  edit(conversationId: string, messageId: string, body: string) {
    return this.call<EditedMessageResponse>('PATCH', path`/v1/conversations/${conversationId}/messages/${messageId}`, { body });
  }
  deleteMessage(conversationId: string, messageId: string, scope: 'everyone' | 'me') {
    return this.call<DeletedMessageResponse>('DELETE', path`/v1/conversations/${conversationId}/messages/${messageId}` + query({ for: scope }));
  }
  forward(conversationId: string, messageId: string, clientMsgId: string, to: Recipient[]) {
    return this.call<ForwardedMessagesResponse>('POST', path`/v1/conversations/${conversationId}/messages/${messageId}/forward`, { clientMsgId, to });
  }
  react(conversationId: string, messageId: string, emoji: string | null) {
    const route = path`/v1/conversations/${conversationId}/messages/${messageId}/reaction`;
    return emoji === null ? this.call<ReactionResponse>('DELETE', route) : this.call<ReactionResponse>('PUT', route, { emoji });
  }
  star(conversationId: string, messageId: string, starred: boolean) {
    return this.call<StarResponse>(starred ? 'PUT' : 'DELETE', path`/v1/conversations/${conversationId}/messages/${messageId}/star`);
  }
  starred(before?: string, limit?: number) {
    return this.call<StarredMessageResponse[]>('GET', '/v1/starred' + query({ before, limit }));
  }
  setDisappearing(conversationId: string, seconds: number) {
    return this.call<DisappearingTimerResponse>('PUT', path`/v1/conversations/${conversationId}/disappearing`, { seconds });
  }
  receipt(conversationId: string, kind: 'delivered' | 'read', upToSeq: number) {
    return this.call<object>('POST', path`/v1/conversations/${conversationId}/receipts`, { kind, upToSeq });
  }
  messageReceipts(messageId: string) {
    return this.call<MessageReceiptsResponse>('GET', path`/v1/messages/${messageId}/receipts`);
  }

  // ---- media
  uploadMedia(kind: MediaKind, bytes: Blob | Uint8Array<ArrayBuffer>) {
    return this.http.call<MediaResponse>('POST', `/v1/media${query({ kind })}`, undefined, { token: this.token, bytes });
  }

  mediaBytes(mediaId: string, variant: MediaVariant) {
    return this.http.bytes(variant === 'content' ? path`/v1/media/${mediaId}/content` : path`/v1/media/${mediaId}/thumbnails/${variant}`, { token: this.token });
  }

  // ---- calls
  callHistory(before?: string, limit?: number) {
    return this.call<CallHistoryItemResponse[]>('GET', '/v1/calls' + query({ before, limit }));
  }
  iceServers() {
    return this.call<IceConfigurationResponse>('GET', '/v1/calls/ice-servers');
  }

  // ---- reading
  conversations() {
    return this.call<InboxItemResponse[]>('GET', '/v1/conversations');
  }
  history(conversationId: string, page: { beforeSeq?: number; afterSeq?: number; limit?: number } = {}) {
    return this.call<HistoryMessageResponse[]>('GET', path`/v1/conversations/${conversationId}/messages` + query(page));
  }
  presence(userId: string) {
    return this.call<PresenceResponse>('GET', path`/v1/users/${userId}/presence`);
  }

  // ---- groups
  createGroup(name: string, members: string[]) {
    return this.call<CreatedGroupResponse>('POST', '/v1/groups', { name, members });
  }
  group(groupId: string) {
    return this.call<GroupResponse>('GET', path`/v1/groups/${groupId}`);
  }
  updateGroup(groupId: string, changes: { name?: string; description?: string }) {
    return this.call<object>('PATCH', path`/v1/groups/${groupId}`, changes);
  }
  addMembers(groupId: string, userIds: string[]) {
    return this.call<object>('POST', path`/v1/groups/${groupId}/members`, { userIds });
  }
  removeMember(groupId: string, userId: string) {
    return this.call<object>('DELETE', path`/v1/groups/${groupId}/members/${userId}`);
  }
  setAdmin(groupId: string, userId: string, admin: boolean) {
    return this.call<object>(admin ? 'POST' : 'DELETE', path`/v1/groups/${groupId}/admins/${userId}`);
  }
  leaveGroup(groupId: string) {
    return this.call<object>('POST', path`/v1/groups/${groupId}/leave`);
  }

  // ---- people
  me() {
    return this.call<MeResponse>('GET', '/v1/me');
  }
  updateProfile(changes: { displayName?: string; about?: string }) {
    return this.call<object>('PATCH', '/v1/me/profile', changes);
  }
  updatePrivacy(changes: Partial<PrivacySettings>) {
    return this.call<object>('PATCH', '/v1/me/privacy', changes);
  }
  profile(userId: string) {
    return this.call<ProfileResponse>('GET', path`/v1/users/${userId}/profile`);
  }
  contacts() {
    return this.call<ContactResponse[]>('GET', '/v1/contacts');
  }
  syncContacts(phones: string[]) {
    return this.call<SyncContactsResponse>('POST', '/v1/contacts/sync', { phones });
  }
  blocked() {
    return this.call<string[]>('GET', '/v1/me/blocked');
  }
  setBlocked(userId: string, blocked: boolean) {
    return this.call<object>(blocked ? 'POST' : 'DELETE', path`/v1/users/${userId}/block`);
  }
  devices() {
    return this.call<DeviceResponse[]>('GET', '/v1/me/devices');
  }
  logOutDevice(deviceId: string) {
    return this.call<object>('DELETE', path`/v1/me/devices/${deviceId}`);
  }

  // ---- audit (an auditor token)
  auditLog(page: { type?: string; after?: string; limit?: number } = {}) {
    return this.call<AuditPage>('GET', '/v1/audit/events' + query(page));
  }
  auditEvents(scope: 'conversations' | 'groups', id: string, page: { after?: string; limit?: number } = {}) {
    return this.call<AuditPage>('GET', `/v1/audit/${scope}/${encodeURIComponent(id)}/events` + query(page));
  }
  auditState(scope: 'conversations' | 'groups', id: string, at: string) {
    return this.call<AuditState>('GET', `/v1/audit/${scope}/${encodeURIComponent(id)}/state` + query({ at }));
  }
}
