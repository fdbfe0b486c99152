import type { ChatStore } from '../store.js';
import { useStore } from '../store.js';
import { shortTime } from '../format.js';

/** The chats, most recent first: name, last message, time, unread count. */
export function Inbox({ store, onOpen }: { store: ChatStore; onOpen: (conversationId: string) => void }) {
  const state = useStore(store);
  if (state.conversations.length === 0) return <p className="empty">No chats yet. Find people in Contacts.</p>;
  return (
    <ul className="inbox" aria-label="Chats">
      {state.conversations.map((c) => {
        const title = c.peerUserId ? store.displayName(c.peerUserId) : c.title;
        const last = c.lastMessage;
        const typing = Object.keys(state.typing[c.conversationId] ?? {}).length > 0;
        const preview = typing ? 'typing…' : !last ? '' : last.body === null ? 'This message was deleted' : `${c.type === 'group' && last.senderId !== store.me ? store.displayName(last.senderId) + ': ' : ''}${last.body ?? ''}`;
        return (
          <li key={c.conversationId}>
            <button className="chat-row" aria-current={state.openConversationId === c.conversationId} onClick={() => onOpen(c.conversationId)}>
              <span className="chat-title">{title}</span>
              {last && <time dateTime={last.sentAt}>{shortTime(last.sentAt)}</time>}
              <span className="chat-preview">{preview}</span>
              {c.unreadCount > 0 && (
                <span className="unread" aria-label={`${c.unreadCount} unread`}>
                  {c.unreadCount}
                </span>
              )}
            </button>
          </li>
        );
      })}
    </ul>
  );
}
