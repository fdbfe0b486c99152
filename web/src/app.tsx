import { useEffect, useMemo, useState } from 'react';
import type { Session } from '../../libs/client/src/index.js';
import { AuditorView } from './screens/auditor.js';
import { ChatView, type ChatTarget } from './screens/chat.js';
import { ContactsPanel } from './screens/contacts.js';
import { CallHistoryPanel, CallOverlay } from './screens/call.js';
import { Inbox } from './screens/inbox.js';
import { NewGroupPanel } from './screens/new-group.js';
import { SettingsPanel } from './screens/settings.js';
import { SignIn } from './screens/sign-in.js';
import { ChatStore, saveSession, savedSession, useStore } from './store.js';

const isAuditRoute = () => location.hash.startsWith('#/audit');

export function App() {
  const [session, setSession] = useState<Session | null>(savedSession);
  const [audit, setAudit] = useState(isAuditRoute);
  useEffect(() => {
    const onHash = () => setAudit(isAuditRoute());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  if (audit) return <AuditorView />;
  if (!session) {
    return (
      <SignIn
        onSignedIn={(signedIn) => {
          saveSession(signedIn);
          setSession(signedIn);
        }}
      />
    );
  }
  return (
    <Messenger
      key={session.deviceId}
      session={session}
      onSignedOut={() => {
        saveSession(null);
        setSession(null);
      }}
    />
  );
}

type Panel = 'chats' | 'calls' | 'contacts' | 'new-group' | 'settings';

function Messenger({ session, onSignedOut }: { session: Session; onSignedOut: () => void }) {
  const store = useMemo(() => new ChatStore(session), [session]);
  const state = useStore(store);
  const [panel, setPanel] = useState<Panel>('chats');
  const [draft, setDraft] = useState<ChatTarget | null>(null);

  useEffect(() => {
    store.start();
    return () => store.stop();
  }, [store]);
  useEffect(() => {
    if (state.loggedOut) onSignedOut();
  }, [state.loggedOut, onSignedOut]);

  const open = state.conversations.find((c) => c.conversationId === state.openConversationId);
  const target: ChatTarget | null = open
    ? { conversationId: open.conversationId, to: open.groupId ? { groupId: open.groupId } : { userId: open.peerUserId! }, peerUserId: open.peerUserId ?? null }
    : draft;

  /** Opens the chat with a user: their direct conversation if there is one, else a draft that the first send creates. */
  const chatWith = (userId: string) => {
    const existing = state.conversations.find((c) => c.peerUserId === userId);
    setPanel('chats');
    if (existing) {
      setDraft(null);
      void store.open(existing.conversationId);
    } else {
      void store.open(null);
      setDraft({ conversationId: null, to: { userId }, peerUserId: userId });
      void store.nameOf(userId);
    }
  };

  return (
    <div className="app">
      <StatusBanner store={store} />
      <CallOverlay store={store} />
      <nav className="sidebar" aria-label="Chats and settings">
        <div className="tabs" role="toolbar" aria-label="Sections">
          {(
            [
              ['chats', 'Chats'],
              ['calls', 'Calls'],
              ['contacts', 'Contacts'],
              ['new-group', 'New group'],
              ['settings', 'Settings'],
            ] as [Panel, string][]
          ).map(([id, label]) => (
            <button key={id} aria-pressed={panel === id} onClick={() => setPanel(id)}>
              {label}
            </button>
          ))}
        </div>
        {panel === 'chats' && (
          <Inbox
            store={store}
            onOpen={(conversationId) => {
              setDraft(null);
              void store.open(conversationId);
            }}
          />
        )}
        {panel === 'calls' && <CallHistoryPanel store={store} />}
        {panel === 'contacts' && <ContactsPanel store={store} onChat={chatWith} />}
        {panel === 'new-group' && (
          <NewGroupPanel
            store={store}
            onCreated={(conversationId) => {
              setPanel('chats');
              void store.open(conversationId);
            }}
          />
        )}
        {panel === 'settings' && <SettingsPanel store={store} onSignedOut={onSignedOut} />}
      </nav>
      <main className="main">
        {target ? (
          <ChatView
            key={target.conversationId ?? `draft-${target.peerUserId}`}
            store={store}
            target={target}
            onCreated={(conversationId) => {
              setDraft(null);
              void store.open(conversationId);
            }}
          />
        ) : (
          <p className="empty">Choose a chat, or start one from Contacts.</p>
        )}
      </main>
    </div>
  );
}

/** The offline banner, what arrived while offline, and plain notices for refused commands. */
function StatusBanner({ store }: { store: ChatStore }) {
  const state = useStore(store);
  return (
    <div className="banners">
      {state.feed === 'offline' && (
        <div className="banner offline" role="status">
          You are offline. Reconnecting…
        </div>
      )}
      {state.caughtUp !== null && (
        <div className="banner info" role="status">
          Back online.{' '}
          {state.caughtUp === 0 ? 'Nothing new arrived while you were away.' : `${state.caughtUp} new message${state.caughtUp === 1 ? '' : 's'} arrived while you were away.`}{' '}
          <button onClick={() => store.dismissNotice()}>Dismiss</button>
        </div>
      )}
      {state.notice && (
        <div className="banner notice" role="alert">
          {state.notice} <button onClick={() => store.dismissNotice()}>Dismiss</button>
        </div>
      )}
    </div>
  );
}
