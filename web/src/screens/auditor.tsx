import { useEffect, useMemo, useState } from 'react';
import { MessengerApi, type AuditEvent, type AuditState } from '../../../libs/client/src/index.js';
import { fullTime } from '../format.js';
import { noticeOf } from '../notices.js';

const TOKEN_KEY = 'messenger.auditor';
type Scope = 'conversations' | 'groups';

/**
 * The auditor's view (a token from `npm run admin -- create-auditor`): pick a conversation or
 * group, read its event timeline, and move a slider to see it as it was at any moment.
 */
export function AuditorView() {
  const [token, setToken] = useState(() => sessionStorage.getItem(TOKEN_KEY) ?? '');
  const [entered, setEntered] = useState(token);
  const api = useMemo(() => new MessengerApi('', token || null), [token]);
  const [error, setError] = useState<string | null>(null);
  const [found, setFound] = useState<{ id: string; scope: Scope; label: string }[] | null>(null);
  const [picked, setPicked] = useState<{ id: string; scope: Scope } | null>(null);
  const [manualId, setManualId] = useState('');

  const attempt = async <T,>(action: () => Promise<T>): Promise<T | undefined> => {
    setError(null);
    try {
      return await action();
    } catch (failure) {
      setError(noticeOf(failure));
      return undefined;
    }
  };

  /** Lists the conversations and groups the log knows, from its messages and group events. */
  const discover = () =>
    attempt(async () => {
      const seen = new Map<string, { id: string; scope: Scope; label: string }>();
      let after: string | undefined;
      for (let page = 0; page < 10; page++) {
        const { events, next, caughtUp } = await api.auditLog({ type: 'MessageSent,GroupChanged', after, limit: 1000 });
        for (const e of events) {
          if (e.type === 'GroupChanged') {
            const groupId = String(e.data.groupId);
            const name = (e.data.change as { name?: string } | undefined)?.name;
            const known = seen.get(groupId);
            seen.set(groupId, { id: groupId, scope: 'groups', label: `Group ${name ?? known?.label.replace(/^Group /, '') ?? groupId}` });
          } else if (e.data.conversationType === 'direct') {
            const conversationId = String(e.data.conversationId);
            if (!seen.has(conversationId)) seen.set(conversationId, { id: conversationId, scope: 'conversations', label: `Chat ${conversationId.slice(0, 10)}…` });
          }
        }
        after = next;
        if (caughtUp) break;
      }
      setFound([...seen.values()]);
    });

  useEffect(() => {
    if (token) void discover();
  }, [token]);

  if (!token) {
    return (
      <main className="sign-in">
        <h1>Auditor view</h1>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            sessionStorage.setItem(TOKEN_KEY, entered.trim());
            setToken(entered.trim());
          }}
        >
          <label htmlFor="auditor-token">Auditor token</label>
          <input id="auditor-token" value={entered} onChange={(e) => setEntered(e.target.value)} required autoFocus />
          <p className="hint">
            Create one with <code>npm run admin -- create-auditor NAME</code>.
          </p>
          <button type="submit">Open</button>
        </form>
        <p className="hint">
          <a href="#/">Back to the messenger</a>
        </p>
      </main>
    );
  }

  return (
    <div className="audit">
      <nav className="sidebar" aria-label="Conversations in the log">
        <h2>Auditor view</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (manualId.trim()) setPicked({ id: manualId.trim(), scope: 'conversations' });
          }}
        >
          <label htmlFor="audit-id">Conversation or group id</label>
          <input id="audit-id" value={manualId} onChange={(e) => setManualId(e.target.value)} />
          <button type="submit">Open</button>
        </form>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <ul className="inbox" aria-label="Conversations and groups">
          {(found ?? []).map((f) => (
            <li key={f.id}>
              <button className="chat-row" aria-current={picked?.id === f.id} onClick={() => setPicked(f)}>
                <span className="chat-title">{f.label}</span>
              </button>
            </li>
          ))}
        </ul>
        <button
          className="link"
          onClick={() => {
            sessionStorage.removeItem(TOKEN_KEY);
            setToken('');
          }}
        >
          Forget token
        </button>
      </nav>
      <main className="main">{picked ? <AuditTimeline key={picked.id} api={api} {...picked} onError={setError} /> : <p className="empty">Pick a conversation or a group.</p>}</main>
    </div>
  );
}

function AuditTimeline({ api, id, scope, onError }: { api: MessengerApi; id: string; scope: Scope; onError: (message: string | null) => void }) {
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [index, setIndex] = useState(0);
  const [state, setState] = useState<AuditState | null>(null);

  useEffect(() => {
    void (async () => {
      try {
        const all: AuditEvent[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await api.auditEvents(scope, id, { after, limit: 1000 });
          all.push(...page.events);
          after = page.next;
          if (page.caughtUp || page.events.length === 0) break;
        }
        setEvents(all);
        setIndex(Math.max(0, all.length - 1));
      } catch (failure) {
        onError(noticeOf(failure));
      }
    })();
  }, [api, id, scope]);

  const at = events[index]?.occurredAt;
  useEffect(() => {
    if (!at) return;
    const timer = setTimeout(() => {
      api.auditState(scope, id, at).then(setState, (failure) => onError(noticeOf(failure)));
    }, 120);
    return () => clearTimeout(timer);
  }, [api, scope, id, at]);

  if (events.length === 0) return <p className="empty">No events (yet) for {id}.</p>;
  return (
    <section className="audit-timeline" aria-label="Event timeline">
      <div className="slider">
        <label htmlFor="audit-time">
          As of <strong data-testid="audit-at">{at ? fullTime(at) : ''}</strong> (event {index + 1} of {events.length})
        </label>
        <input id="audit-time" type="range" min={0} max={events.length - 1} value={index} onChange={(e) => setIndex(Number(e.target.value))} />
      </div>
      <div className="audit-columns">
        <ol className="events" aria-label="Events">
          {events.map((e, i) => (
            <li key={e.position} className={i <= index ? 'past' : 'future'} aria-current={i === index}>
              <button className="link" onClick={() => setIndex(i)}>
                <time dateTime={e.occurredAt}>{fullTime(e.occurredAt)}</time> <strong>{e.type}</strong> <small>{describe(e)}</small>
              </button>
            </li>
          ))}
        </ol>
        {state && (
          <div className="audit-state" aria-label="State at that moment">
            <h3>{state.group ? `Group “${state.group.name}”` : 'Direct chat'}</h3>
            <p>
              {state.participants.length} participant(s), {state.totalMessages} message(s)
            </p>
            {state.group && (
              <ul>
                {state.group.members.map((m) => (
                  <li key={m.userId}>
                    {m.userId.slice(0, 10)}… {m.role}
                  </li>
                ))}
              </ul>
            )}
            <ol className="audit-messages" data-testid="audit-messages">
              {state.messages.map((m) => (
                <li key={m.messageId}>
                  #{m.seq} {m.senderId.slice(0, 6)}…: {m.body ?? <em>erased</em>} <small>({m.status}; read by {m.read.length}, pending {m.pending.length})</small>
                </li>
              ))}
            </ol>
          </div>
        )}
      </div>
    </section>
  );
}

function describe(e: AuditEvent): string {
  const d = e.data as Record<string, unknown>;
  if (e.type === 'MessageSent') return `#${d.seq} from ${String(d.senderId).slice(0, 6)}…`;
  if (e.type === 'MessageDelivered' || e.type === 'MessageRead') return `${String(d.userId).slice(0, 6)}… up to #${d.upToSeq}`;
  if (e.type === 'GroupChanged') return String((d.change as { kind?: string } | undefined)?.kind ?? '');
  return '';
}
