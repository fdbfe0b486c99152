// The signed-in device's state: the inbox, open timelines, typing and presence, kept current by
// the feed. Components read it with useStore(); every change replaces the state object.
import { useSyncExternalStore } from 'react';
import {
  addFromFeed,
  ApiError,
  applyLifecycle,
  applyPeerReceipt,
  FeedConnection,
  mergeMessages,
  MessengerApi,
  type DurableFrame,
  type FeedStatus,
  type InboxItem,
  type Recipient,
  type ServerFrame,
  type Session,
  type TimelineMessage,
  type TypingState,
  withQuote,
} from '../../libs/client/src/index.js';
import { noticeOf } from './notices.js';
import { CallController } from './call.js';

export const PAGE = 50;

export interface Timeline {
  messages: TimelineMessage[];
  /** False once the first message (seq 1, or the first this user may see) is loaded. */
  hasOlder: boolean;
  loading: boolean;
}

export interface State {
  feed: FeedStatus;
  /** Set after a reconnection: how many messages arrived while offline. */
  caughtUp: number | null;
  conversations: InboxItem[];
  timelines: Record<string, Timeline>;
  typing: Record<string, Record<string, TypingState>>;
  presence: Record<string, { online: boolean; lastSeen: string | null }>;
  names: Record<string, string>;
  starred: Record<string, true>;
  /** Counts the `group` frames per group, so an open group panel knows to re-read it. */
  groupChanges: Record<string, number>;
  openConversationId: string | null;
  notice: string | null;
  loggedOut: boolean;
}

const SESSION_KEY = 'messenger.session';
const CURSOR_KEY = 'messenger.cursor';
const TYPING_EXPIRY_MS = 6000;
const RENDER_INTERVAL_MS = 16;

// Per tab (sessionStorage), so two tabs can be two users.
export const savedSession = (): Session | null => JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
export const saveSession = (session: Session | null) => {
  if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else {
    sessionStorage.removeItem(SESSION_KEY);
    sessionStorage.removeItem(CURSOR_KEY);
  }
};

export class ChatStore {
  readonly api: MessengerApi;
  readonly calls: CallController;
  private readonly feed: FeedConnection;
  private state: State = {
    feed: 'connecting',
    caughtUp: null,
    conversations: [],
    timelines: {},
    typing: {},
    presence: {},
    names: {},
    starred: {},
    groupChanges: {},
    openConversationId: null,
    notice: null,
    loggedOut: false,
  };
  private readonly listeners = new Set<() => void>();
  private missedWhileOffline: number | null = null;
  private renderTimer: ReturnType<typeof setTimeout> | null = null;
  private inboxRead: Promise<void> | null = null;
  private inboxReadAgain = false;
  private readonly typingTimers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(readonly session: Session) {
    this.api = new MessengerApi('', session.token);
    this.feed = new FeedConnection({
      url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/ws`,
      token: session.token,
      connect: (url) => new WebSocket(url),
      cursor: { load: () => sessionStorage.getItem(CURSOR_KEY), save: (c) => sessionStorage.setItem(CURSOR_KEY, c) },
      onFrame: (frame) => this.onFrame(frame),
      onStatus: (status, code) => this.onStatus(status, code),
    });
    this.calls = new CallController(session, this.api, (frame) => this.feed.callFrame(frame), (notice) => this.set({ notice }));
  }

  get me(): string {
    return this.session.userId;
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
  snapshot = () => this.state;

  /** Changes apply at once; the screen is told at most once per frame (a catch-up of thousands of items renders a few times, not thousands). */
  private set(change: Partial<State>) {
    this.state = { ...this.state, ...change };
    this.renderTimer ??= setTimeout(() => {
      this.renderTimer = null;
      for (const listener of this.listeners) listener();
    }, RENDER_INTERVAL_MS);
  }

  start() {
    this.feed.start();
    void this.calls.loadHistory();
    void this.refreshInbox();
    void this.api.starred().then((items) => this.set({ starred: Object.fromEntries(items.map((i) => [i.message.messageId, true])) }), () => {});
  }

  stop() {
    this.feed.stop();
    for (const timer of this.typingTimers.values()) clearTimeout(timer);
  }

  /** Runs a command, showing its refusal as a plain notice; answers undefined when refused. */
  async attempt<T>(command: () => Promise<T>): Promise<T | undefined> {
    try {
      const result = await command();
      return result;
    } catch (error) {
      // A 401 means this device was logged out (or its token expired): back to signing in.
      if (error instanceof ApiError && error.status === 401) this.set({ loggedOut: true });
      this.set({ notice: noticeOf(error) });
      return undefined;
    }
  }

  dismissNotice() {
    this.set({ notice: null, caughtUp: null });
  }

  /**
   * Re-reads the inbox. One read at a time, and one more if asked meanwhile: an older answer
   * never overwrites a newer one.
   */
  refreshInbox(): Promise<void> {
    if (this.inboxRead) {
      this.inboxReadAgain = true;
      return this.inboxRead;
    }
    this.inboxRead = (async () => {
      do {
        this.inboxReadAgain = false;
        const conversations = await this.attempt(() => this.api.conversations());
        if (!conversations) break;
        this.set({ conversations });
        for (const c of conversations) if (c.peerUserId) void this.nameOf(c.peerUserId);
      } while (this.inboxReadAgain);
    })().finally(() => (this.inboxRead = null));
    return this.inboxRead;
  }

  /** A user's display name (their profile), falling back to the phone number the inbox shows. */
  async nameOf(userId: string): Promise<void> {
    if (userId in this.state.names) return;
    this.state.names[userId] = '';
    const profile = await this.api.profile(userId).catch(() => null);
    if (profile?.displayName) this.set({ names: { ...this.state.names, [userId]: profile.displayName } });
  }

  displayName(userId: string): string {
    if (userId === this.me) return 'You';
    const named = this.state.names[userId];
    if (named) return named;
    if (!(userId in this.state.names)) queueMicrotask(() => void this.nameOf(userId));
    const direct = this.state.conversations.find((c) => c.peerUserId === userId);
    return direct?.title ?? `User ${userId.slice(0, 6)}`;
  }

  /** A conversation's name as the inbox shows it: the other person's, or the group's. */
  conversationTitle(conversationId: string): string {
    const conversation = this.state.conversations.find((c) => c.conversationId === conversationId);
    if (!conversation) return 'a chat';
    return conversation.peerUserId ? this.displayName(conversation.peerUserId) : conversation.title;
  }

  // ---- conversations

  async open(conversationId: string | null) {
    this.set({ openConversationId: conversationId });
    if (!conversationId) return;
    if (!this.state.timelines[conversationId]) await this.loadOlder(conversationId);
    this.markRead(conversationId);
    const peer = this.state.conversations.find((c) => c.conversationId === conversationId)?.peerUserId;
    if (peer) {
      const presence = await this.api.presence(peer).catch(() => null);
      if (presence) this.set({ presence: { ...this.state.presence, [peer]: presence } });
    }
  }

  /** Loads the page before the oldest message held (history pages in as the user scrolls up). */
  async loadOlder(conversationId: string) {
    const timeline = this.state.timelines[conversationId] ?? { messages: [], hasOlder: true, loading: false };
    if (timeline.loading || !timeline.hasOlder) return;
    this.setTimeline(conversationId, { ...timeline, loading: true });
    const oldest = timeline.messages[0]?.seq;
    const page = await this.attempt(() => this.api.history(conversationId, { beforeSeq: oldest, limit: PAGE }));
    const current = this.state.timelines[conversationId]!;
    this.setTimeline(conversationId, {
      messages: page ? mergeMessages(current.messages, page) : current.messages,
      hasOlder: page ? page.length === PAGE && page[0].seq > 1 : current.hasOlder,
      loading: false,
    });
  }

  private setTimeline(conversationId: string, timeline: Timeline) {
    this.set({ timelines: { ...this.state.timelines, [conversationId]: timeline } });
  }

  private updateMessages(conversationId: string, update: (messages: TimelineMessage[]) => TimelineMessage[]) {
    const timeline = this.state.timelines[conversationId];
    if (timeline) this.setTimeline(conversationId, { ...timeline, messages: update(timeline.messages) });
  }

  markRead(conversationId: string) {
    const conversation = this.state.conversations.find((c) => c.conversationId === conversationId);
    if (!conversation || conversation.unreadCount === 0) return;
    this.feed.receipt(conversationId, 'read', conversation.lastSeq);
    this.patchConversation(conversationId, { unreadCount: 0 });
  }

  private patchConversation(conversationId: string, change: Partial<InboxItem>) {
    this.set({ conversations: this.state.conversations.map((c) => (c.conversationId === conversationId ? { ...c, ...change } : c)) });
  }

  // ---- sending

  /** Sends over the feed (resent with the same clientMsgId after a drop); the message shows at once, one grey tick when stored. */
  async send(to: Recipient, conversationId: string | null, body: string, replyTo?: string, photo?: File) {
    const clientMsgId = crypto.randomUUID();
    // A photo is uploaded first (the upload answers once the bytes are stored), then named by the message.
    const media = photo ? await this.attempt(() => this.api.uploadMedia('image', photo)) : null;
    if (photo && !media) return null;
    const kind = media ? 'image' : 'text';
    const content = media ? { mediaId: media.mediaId, ...(body ? { body } : {}) } : { body };
    const sent = await this.attempt(() => this.feed.send({ clientMsgId, to, kind, ...content, ...(replyTo ? { replyTo } : {}) }));
    if (!sent) return null;
    const known = this.state.timelines[sent.conversationId];
    const message: TimelineMessage = {
      messageId: sent.messageId,
      conversationId: sent.conversationId,
      seq: sent.seq,
      senderId: this.me,
      kind,
      body: body || null,
      mediaId: media?.mediaId ?? null,
      replyTo: replyTo ?? null,
      forwardOf: null,
      forwardedManyTimes: false,
      sentAt: sent.sentAt,
      status: 'sent',
      editedAt: null,
      deletedAt: null,
      deletedBy: null,
    };
    if (known) this.updateMessages(sent.conversationId, (messages) => mergeMessages(messages, [withQuote(messages, message)]));
    this.noteMessage(message);
    if (conversationId === null || !known) void this.refreshInbox();
    return sent;
  }

  typing(conversationId: string, state: TypingState) {
    this.feed.typing(conversationId, state);
  }

  // ---- the feed

  private onStatus(status: FeedStatus, closeCode?: number) {
    if (status === 'offline' && this.missedWhileOffline === null) this.missedWhileOffline = 0;
    if (status === 'live' && this.missedWhileOffline !== null) {
      this.set({ caughtUp: this.missedWhileOffline });
      this.missedWhileOffline = null;
      void this.refreshInbox();
    }
    if (status === 'stopped' && closeCode !== undefined) this.set({ loggedOut: true });
    this.set({ feed: status });
  }

  private onFrame(frame: ServerFrame) {
    switch (frame.type) {
      case 'message':
        return this.onMessage(frame.message);
      case 'receipt':
        return this.onReceipt(frame);
      case 'typing':
        return this.onTyping(frame.conversationId, frame.userId, frame.state);
      case 'presence':
        return this.set({ presence: { ...this.state.presence, [frame.userId]: { online: frame.online, lastSeen: frame.lastSeen } } });
      case 'group':
        this.set({ groupChanges: { ...this.state.groupChanges, [frame.groupId]: (this.state.groupChanges[frame.groupId] ?? 0) + 1 } });
        return void this.refreshInbox();
      case 'disappearing':
        return void this.refreshInbox();
      case 'profile':
        delete this.state.names[frame.userId];
        return void this.nameOf(frame.userId);
      case 'message_starred':
      case 'message_unstarred': {
        const starred = { ...this.state.starred };
        if (frame.type === 'message_starred') starred[frame.messageId] = true;
        else delete starred[frame.messageId];
        return this.set({ starred });
      }
      case 'call_incoming':
      case 'call_ringing':
      case 'call_busy':
      case 'call_accepted':
      case 'call_declined':
      case 'call_left':
      case 'call_ended':
      case 'call_signal':
        return this.calls.onFrame(frame);
      case 'call':
        return void this.calls.loadHistory();
      case 'error':
        if (frame.callId) this.calls.onError(frame.callId, noticeOf(frame.error));
        return this.set({ notice: noticeOf(frame.error) });
      default:
        if ('conversationId' in frame && 'messageId' in frame) return this.onLifecycle(frame as DurableFrame & { conversationId: string });
    }
  }

  private onMessage(message: TimelineMessage) {
    if (this.missedWhileOffline !== null && message.senderId !== this.me) this.missedWhileOffline++;
    this.updateMessages(message.conversationId, (messages) => addFromFeed(messages, withQuote(messages, message)));
    this.clearTyping(message.conversationId, message.senderId);
    const isNew = this.noteMessage(message);
    if (message.senderId === this.me) return;
    if (this.state.openConversationId === message.conversationId && document.visibilityState === 'visible') this.feed.receipt(message.conversationId, 'read', message.seq);
    else {
      this.feed.receipt(message.conversationId, 'delivered', message.seq);
      if (isNew) {
        const conversation = this.state.conversations.find((c) => c.conversationId === message.conversationId);
        if (conversation) this.patchConversation(message.conversationId, { unreadCount: conversation.unreadCount + 1 });
      }
    }
  }

  /** Moves the message's conversation to the top with it as the last message; false if it was already there. */
  private noteMessage(message: TimelineMessage): boolean {
    const conversation = this.state.conversations.find((c) => c.conversationId === message.conversationId);
    if (!conversation) {
      void this.refreshInbox();
      return false;
    }
    if (conversation.lastSeq >= message.seq) return false;
    const updated: InboxItem = {
      ...conversation,
      lastSeq: message.seq,
      updatedAt: message.sentAt,
      lastMessage: { messageId: message.messageId, seq: message.seq, senderId: message.senderId, kind: message.kind, body: message.body, sentAt: message.sentAt } as InboxItem['lastMessage'],
    };
    this.set({ conversations: [updated, ...this.state.conversations.filter((c) => c !== conversation)] });
    return true;
  }

  private onReceipt(frame: Extract<DurableFrame, { type: 'receipt' }>) {
    const conversation = this.state.conversations.find((c) => c.conversationId === frame.conversationId);
    if (frame.userId === this.me) {
      // this user read on another device
      if (frame.kind === 'read' && conversation && frame.upToSeq >= conversation.lastSeq) this.patchConversation(frame.conversationId, { unreadCount: 0 });
      return;
    }
    if (conversation?.type === 'group') return void this.refreshStatuses(frame.conversationId);
    this.updateMessages(frame.conversationId, (messages) => applyPeerReceipt(messages, this.me, frame.kind, frame.upToSeq));
  }

  /** A group message's ticks need every member: the server knows, so re-read the newest page. */
  private async refreshStatuses(conversationId: string) {
    if (!this.state.timelines[conversationId]) return;
    const page = await this.api.history(conversationId, { limit: PAGE }).catch(() => null);
    if (page) this.updateMessages(conversationId, (messages) => mergeMessages(messages, page));
  }

  private onLifecycle(frame: DurableFrame & { conversationId: string }) {
    this.updateMessages(frame.conversationId, (messages) => applyLifecycle(messages, frame));
    if (frame.type === 'message_deleted' || frame.type === 'message_expired' || frame.type === 'message_hidden' || frame.type === 'message_edited') {
      void this.refreshInbox();
    }
  }

  private onTyping(conversationId: string, userId: string, state: TypingState) {
    if (userId === this.me) return;
    const key = `${conversationId}:${userId}`;
    clearTimeout(this.typingTimers.get(key));
    if (state === 'paused') return this.clearTyping(conversationId, userId);
    this.set({ typing: { ...this.state.typing, [conversationId]: { ...this.state.typing[conversationId], [userId]: state } } });
    // The server sends `paused` when an indicator is not renewed; this covers a lost one.
    this.typingTimers.set(key, setTimeout(() => this.clearTyping(conversationId, userId), TYPING_EXPIRY_MS));
  }

  private clearTyping(conversationId: string, userId: string) {
    const current = this.state.typing[conversationId];
    if (!current || !(userId in current)) return;
    const { [userId]: _gone, ...rest } = current;
    this.set({ typing: { ...this.state.typing, [conversationId]: rest } });
  }
}

export function useStore(store: ChatStore): State {
  return useSyncExternalStore(store.subscribe, store.snapshot);
}
