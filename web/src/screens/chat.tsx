import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { MessageReceipts, Recipient, TimelineMessage } from '../../../libs/client/src/index.js';
import { fullTime, lastSeenText, shortTime } from '../format.js';
import { useStore, type ChatStore } from '../store.js';
import { GroupInfo } from './group-info.js';
import { Photo } from './photo.js';
import { Dialog } from './panels.js';
import { ProfilePanel } from './profile.js';

export interface ChatTarget {
  /** null for a direct chat that its first message will create. */
  conversationId: string | null;
  to: Recipient;
  peerUserId: string | null;
}

const TYPING_RENEW_MS = 3000;
const EMOJI = ['👍', '❤️', '😂', '😮', '😢', '🙏'];
const TIMERS: [number, string][] = [
  [0, 'Off'],
  [86400, '24 hours'],
  [604800, '7 days'],
  [7776000, '90 days'],
];

export function ChatView({ store, target, onCreated }: { store: ChatStore; target: ChatTarget; onCreated: (conversationId: string) => void }) {
  const state = useStore(store);
  const conversation = state.conversations.find((c) => c.conversationId === target.conversationId);
  const timeline = target.conversationId ? state.timelines[target.conversationId] : undefined;
  const messages = timeline?.messages ?? [];
  const [replyTo, setReplyTo] = useState<TimelineMessage | null>(null);
  const [editing, setEditing] = useState<TimelineMessage | null>(null);
  const [side, setSide] = useState<'group' | 'profile' | null>(null);
  const [forwarding, setForwarding] = useState<TimelineMessage | null>(null);
  const [info, setInfo] = useState<TimelineMessage | null>(null);

  const title = target.peerUserId ? store.displayName(target.peerUserId) : (conversation?.title ?? '');
  const typers = Object.entries(state.typing[target.conversationId ?? ''] ?? {});
  const subtitle = typers.length
    ? typers.map(([userId, s]) => `${conversation?.type === 'group' ? store.displayName(userId) + ' is ' : ''}${s === 'recording' ? 'recording audio…' : 'typing…'}`).join(', ')
    : target.peerUserId
      ? lastSeenText(state.presence[target.peerUserId])
      : '';

  return (
    <section className="chat" aria-label={`Chat with ${title}`}>
      <header className="chat-header">
        <div>
          <h2>{title}</h2>
          <p className="subtitle" aria-live="polite" data-testid="chat-subtitle">
            {subtitle}
          </p>
        </div>
        <div className="header-actions">
          {conversation && (
            <>
              <button onClick={() => void store.calls.start(conversation.conversationId, 'audio')}>Voice call</button>
              <button onClick={() => void store.calls.start(conversation.conversationId, 'video')}>Video call</button>
            </>
          )}
          {conversation && (
            <label>
              Disappearing{' '}
              <select
                value={conversation.disappearingSeconds}
                onChange={(e) => void store.attempt(() => store.api.setDisappearing(conversation.conversationId, Number(e.target.value))).then(() => store.refreshInbox())}
              >
                {TIMERS.map(([seconds, label]) => (
                  <option key={seconds} value={seconds}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
          )}
          {conversation?.type === 'group' ? (
            <button onClick={() => setSide(side === 'group' ? null : 'group')} aria-expanded={side === 'group'}>
              Group info
            </button>
          ) : (
            <button onClick={() => setSide(side === 'profile' ? null : 'profile')} aria-expanded={side === 'profile'}>
              Contact info
            </button>
          )}
        </div>
      </header>
      <div className="chat-body">
        <div className="chat-column">
          {target.conversationId ? (
            <MessageList
              store={store}
              conversationId={target.conversationId}
              isGroup={conversation?.type === 'group'}
              onReply={setReplyTo}
              onEdit={setEditing}
              onForward={setForwarding}
              onInfo={setInfo}
            />
          ) : (
            <p className="empty">Say hello: your first message starts the chat.</p>
          )}
          <Composer
            key={editing?.messageId ?? 'new'}
            store={store}
            target={target}
            replyTo={replyTo}
            editing={editing}
            onDone={(createdConversationId) => {
              setReplyTo(null);
              setEditing(null);
              if (createdConversationId && !target.conversationId) onCreated(createdConversationId);
            }}
            onCancel={() => {
              setReplyTo(null);
              setEditing(null);
            }}
          />
        </div>
        {side === 'group' && conversation?.groupId && <GroupInfo store={store} groupId={conversation.groupId} onClose={() => setSide(null)} />}
        {side === 'profile' && target.peerUserId && <ProfilePanel store={store} userId={target.peerUserId} onClose={() => setSide(null)} />}
      </div>
      {forwarding && <ForwardDialog store={store} message={forwarding} onClose={() => setForwarding(null)} />}
      {info && <ReceiptInfo store={store} message={info} onClose={() => setInfo(null)} />}
      {messages.length === 0 && timeline?.loading && <p className="empty">Loading…</p>}
    </section>
  );
}

interface ListProps {
  store: ChatStore;
  conversationId: string;
  isGroup: boolean;
  onReply: (m: TimelineMessage) => void;
  onEdit: (m: TimelineMessage) => void;
  onForward: (m: TimelineMessage) => void;
  onInfo: (m: TimelineMessage) => void;
}

/** The history, virtualised: only the rows on screen exist; older pages load as the top comes near. */
function MessageList({ store, conversationId, isGroup, ...actions }: ListProps) {
  const state = useStore(store);
  const timeline = state.timelines[conversationId];
  const messages = timeline?.messages ?? [];
  const scroller = useRef<HTMLDivElement>(null);
  const anchor = useRef<number | null>(null);
  const pinnedToBottom = useRef(true);
  const virtualizer = useVirtualizer({
    count: messages.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 64,
    overscan: 12,
    getItemKey: (index) => messages[index].seq,
  });

  // After an older page is prepended, keep the message that was on top where it was.
  useLayoutEffect(() => {
    if (anchor.current !== null) {
      const index = messages.findIndex((m) => m.seq === anchor.current);
      anchor.current = null;
      if (index > 0) virtualizer.scrollToIndex(index, { align: 'start' });
    } else if (pinnedToBottom.current && messages.length) virtualizer.scrollToIndex(messages.length - 1, { align: 'end' });
  }, [messages, virtualizer]);

  const onScroll = () => {
    const element = scroller.current!;
    pinnedToBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 80;
    if (pinnedToBottom.current) store.markRead(conversationId);
    if (element.scrollTop < 300 && timeline?.hasOlder && !timeline.loading && messages.length) {
      anchor.current = messages[0].seq;
      void store.loadOlder(conversationId);
    }
  };

  return (
    <div className="messages" ref={scroller} onScroll={onScroll} role="log" aria-label="Messages" tabIndex={0}>
      {timeline?.loading && timeline.messages.length > 0 && <p className="loading-older">Loading earlier messages…</p>}
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((row) => {
          const message = messages[row.index];
          return (
            <div key={row.key} data-index={row.index} ref={virtualizer.measureElement} className="row" style={{ transform: `translateY(${row.start}px)` }}>
              <MessageBubble store={store} message={message} isGroup={isGroup} starred={!!state.starred[message.messageId]} {...actions} />
            </div>
          );
        })}
      </div>
    </div>
  );
}

function MessageBubble({
  store,
  message,
  isGroup,
  starred,
  onReply,
  onEdit,
  onForward,
  onInfo,
}: Omit<ListProps, 'conversationId'> & { message: TimelineMessage; starred: boolean }) {
  const [menu, setMenu] = useState(false);
  const own = message.senderId === store.me;
  const erased = message.erased === true;
  const act = (command: () => Promise<unknown>) => {
    setMenu(false);
    void store.attempt(command);
  };
  const myReaction = message.reactions?.find((r) => r.userId === store.me)?.emoji ?? null;
  return (
    <article className={`bubble ${own ? 'own' : 'theirs'}`} data-seq={message.seq} data-testid="message" aria-label={`${own ? 'You' : store.displayName(message.senderId)}: ${erased ? 'deleted message' : (message.body ?? '')}`}>
      {isGroup && !own && <p className="sender">{store.displayName(message.senderId)}</p>}
      {message.forwardOf && <p className="forwarded">{message.forwardedManyTimes ? 'Forwarded many times' : 'Forwarded'}</p>}
      {message.quote && (
        <blockquote className="quote">
          <strong>{store.displayName(message.quote.senderId)}</strong> {message.quote.erased ? 'This message was deleted' : message.quote.body}
        </blockquote>
      )}
      {!erased && message.kind === 'image' && message.mediaId && <Photo store={store} mediaId={message.mediaId} label="Photo" />}
      {(erased || message.body) && <p className={`body ${erased ? 'erased' : ''}`}>{erased ? 'This message was deleted' : message.body}</p>}
      <footer>
        {starred && <span aria-label="Starred">★ </span>}
        {message.editedAt && !erased && <span className="edited">edited </span>}
        <time dateTime={message.sentAt} title={fullTime(message.sentAt)}>
          {shortTime(message.sentAt)}
        </time>
        {own && !erased && <Ticks status={message.status} />}
      </footer>
      {!!message.reactions?.length && (
        <p className="reactions" aria-label="Reactions">
          {message.reactions.map((r) => (
            <span key={r.userId} title={store.displayName(r.userId)}>
              {r.emoji}
            </span>
          ))}
        </p>
      )}
      {!erased && (
        <button className="actions-button" aria-label="Message actions" aria-expanded={menu} onClick={() => setMenu(!menu)}>
          ⋯
        </button>
      )}
      {menu && (
        <div className="menu" role="menu" onKeyDown={(e) => e.key === 'Escape' && setMenu(false)}>
          <div className="emoji" role="group" aria-label="React">
            {EMOJI.map((emoji) => (
              <button key={emoji} role="menuitem" aria-label={`React ${emoji}`} aria-pressed={myReaction === emoji} onClick={() => act(() => store.api.react(message.conversationId, message.messageId, myReaction === emoji ? null : emoji))}>
                {emoji}
              </button>
            ))}
          </div>
          <button role="menuitem" autoFocus onClick={() => (setMenu(false), onReply(message))}>
            Reply
          </button>
          <button role="menuitem" onClick={() => (setMenu(false), onForward(message))}>
            Forward
          </button>
          <button role="menuitem" onClick={() => act(() => store.api.star(message.conversationId, message.messageId, !starred))}>
            {starred ? 'Unstar' : 'Star'}
          </button>
          {own && message.kind === 'text' && (
            <button role="menuitem" onClick={() => (setMenu(false), onEdit(message))}>
              Edit
            </button>
          )}
          {own && (
            <button role="menuitem" onClick={() => (setMenu(false), onInfo(message))}>
              Info
            </button>
          )}
          <button role="menuitem" onClick={() => act(() => store.api.deleteMessage(message.conversationId, message.messageId, 'me'))}>
            Delete for me
          </button>
          {own && (
            <button role="menuitem" onClick={() => act(() => store.api.deleteMessage(message.conversationId, message.messageId, 'everyone'))}>
              Delete for everyone
            </button>
          )}
        </div>
      )}
    </article>
  );
}

/** One grey tick: stored. Two grey: delivered. Two blue: read. */
export function Ticks({ status }: { status: TimelineMessage['status'] }) {
  const label = status === 'read' ? 'Read' : status === 'delivered' ? 'Delivered' : 'Sent';
  return (
    <span className={`ticks ${status ?? 'sent'}`} data-status={status ?? 'sent'} role="img" aria-label={label} title={label}>
      {status === 'sent' || !status ? '✓' : '✓✓'}
    </span>
  );
}

function Composer({
  store,
  target,
  replyTo,
  editing,
  onDone,
  onCancel,
}: {
  store: ChatStore;
  target: ChatTarget;
  replyTo: TimelineMessage | null;
  editing: TimelineMessage | null;
  onDone: (createdConversationId?: string) => void;
  onCancel: () => void;
}) {
  const [text, setText] = useState(editing?.body ?? '');
  const lastTyping = useRef(0);
  const input = useRef<HTMLTextAreaElement>(null);
  const conversationId = target.conversationId;

  useEffect(() => input.current?.focus(), [replyTo, editing]);
  // Leaving the chat (or the page) ends the indicator.
  useEffect(
    () => () => {
      if (conversationId && lastTyping.current) store.typing(conversationId, 'paused');
    },
    [conversationId, store],
  );

  const onChange = (value: string) => {
    setText(value);
    if (!conversationId || editing) return;
    const now = Date.now();
    if (value && now - lastTyping.current > TYPING_RENEW_MS) {
      lastTyping.current = now;
      store.typing(conversationId, 'typing');
    } else if (!value && lastTyping.current) {
      lastTyping.current = 0;
      store.typing(conversationId, 'paused');
    }
  };

  const submit = async (photo?: File) => {
    const body = text.trim();
    if (!body && !photo) return;
    if (editing) {
      const edited = await store.attempt(() => store.api.edit(editing.conversationId, editing.messageId, body));
      if (edited) onDone();
      return;
    }
    setText('');
    if (conversationId && lastTyping.current) store.typing(conversationId, 'paused');
    lastTyping.current = 0;
    const sent = await store.send(target.to, conversationId, body, replyTo?.messageId, photo);
    if (!sent) return setText(body);
    if (!conversationId) await store.refreshInbox();
    onDone(sent.conversationId);
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      void submit();
    } else if (event.key === 'Escape') onCancel();
  };

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      {(replyTo || editing) && (
        <p className="composing-note">
          {editing ? 'Editing your message' : `Replying to ${store.displayName(replyTo!.senderId)}: ${replyTo!.body ?? ''}`}{' '}
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </p>
      )}
      <label htmlFor="composer-input" className="visually-hidden">
        Message
      </label>
      {!editing && (
        <>
          <input
            id="composer-photo"
            type="file"
            accept="image/*"
            className="visually-hidden"
            onChange={(e) => {
              const photo = e.target.files?.[0];
              e.target.value = '';
              if (photo) void submit(photo);
            }}
          />
          <label htmlFor="composer-photo" className="attach" title="Send a photo (the message text becomes its caption)">
            <span aria-hidden="true">📎</span>
            <span className="visually-hidden">Send a photo</span>
          </label>
        </>
      )}
      <textarea id="composer-input" ref={input} rows={1} placeholder="Type a message" value={text} onChange={(e) => onChange(e.target.value)} onKeyDown={onKeyDown} maxLength={65536} />
      <button type="submit">{editing ? 'Save' : 'Send'}</button>
    </form>
  );
}

function ForwardDialog({ store, message, onClose }: { store: ChatStore; message: TimelineMessage; onClose: () => void }) {
  const state = useStore(store);
  const [chosen, setChosen] = useState<string[]>([]);
  const choices = state.conversations;
  const forward = async () => {
    const to = choices.filter((c) => chosen.includes(c.conversationId)).map((c) => (c.groupId ? { groupId: c.groupId } : { userId: c.peerUserId! }));
    const done = await store.attempt(() => store.api.forward(message.conversationId, message.messageId, crypto.randomUUID(), to));
    if (done) onClose();
  };
  return (
    <Dialog title="Forward to…" onClose={onClose}>
      <fieldset>
        <legend>Chats (up to 5)</legend>
        {choices.map((c) => (
          <label key={c.conversationId} className="check">
            <input
              type="checkbox"
              checked={chosen.includes(c.conversationId)}
              disabled={!chosen.includes(c.conversationId) && chosen.length >= 5}
              onChange={(e) => setChosen(e.target.checked ? [...chosen, c.conversationId] : chosen.filter((id) => id !== c.conversationId))}
            />
            {c.peerUserId ? store.displayName(c.peerUserId) : c.title}
          </label>
        ))}
      </fieldset>
      <button onClick={() => void forward()} disabled={chosen.length === 0}>
        Forward
      </button>
    </Dialog>
  );
}

/** Who has the message: per member in a group, the peer in a direct chat. */
function ReceiptInfo({ store, message, onClose }: { store: ChatStore; message: TimelineMessage; onClose: () => void }) {
  const [receipts, setReceipts] = useState<MessageReceipts | null>(null);
  useEffect(() => {
    void store.attempt(() => store.api.messageReceipts(message.messageId)).then((r) => r && setReceipts(r));
  }, [store, message.messageId]);
  const list = (entries: { userId: string; at: string }[]) =>
    entries.length ? (
      <ul>
        {entries.map((e) => (
          <li key={e.userId}>
            {store.displayName(e.userId)} <time dateTime={e.at}>{fullTime(e.at)}</time>
          </li>
        ))}
      </ul>
    ) : (
      <p>Nobody yet.</p>
    );
  return (
    <Dialog title="Message info" onClose={onClose}>
      {!receipts ? (
        <p>Loading…</p>
      ) : (
        <div data-testid="receipt-info">
          <h4>Read by</h4>
          {list(receipts.read)}
          <h4>Delivered to</h4>
          {list(receipts.delivered)}
          <h4>Not delivered yet</h4>
          {receipts.pending.length ? (
            <ul>
              {receipts.pending.map((userId) => (
                <li key={userId}>{store.displayName(userId)}</li>
              ))}
            </ul>
          ) : (
            <p>Nobody.</p>
          )}
        </div>
      )}
    </Dialog>
  );
}
