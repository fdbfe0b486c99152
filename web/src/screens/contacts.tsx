import { useEffect, useState } from 'react';
import type { Contact } from '../../../libs/client/src/index.js';
import type { ChatStore } from '../store.js';

/** Finds people by phone number (address-book sync) and lists the contacts found so far. */
export function ContactsPanel({ store, onChat }: { store: ChatStore; onChat: (userId: string) => void }) {
  const [contacts, setContacts] = useState<Contact[]>([]);
  const [numbers, setNumbers] = useState('');
  const [result, setResult] = useState<string | null>(null);
  const load = () => store.attempt(() => store.api.contacts()).then((c) => c && setContacts(c));
  useEffect(() => {
    void load();
  }, []);

  const sync = async () => {
    const phones = numbers.split(/[\s,;]+/).filter(Boolean);
    if (!phones.length) return;
    const synced = await store.attempt(() => store.api.syncContacts(phones));
    if (!synced) return;
    setResult(`${synced.contacts.length} of ${phones.length} number${phones.length === 1 ? '' : 's'} ${synced.contacts.length === 1 ? 'is' : 'are'} on Messenger.`);
    setNumbers('');
    await load();
  };

  return (
    <section className="panel" aria-label="Contacts">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void sync();
        }}
      >
        <label htmlFor="sync-numbers">Find people by phone number</label>
        <textarea id="sync-numbers" rows={2} placeholder="+14155550123, one or more" value={numbers} onChange={(e) => setNumbers(e.target.value)} />
        <button type="submit">Find</button>
        {result && <p role="status">{result}</p>}
      </form>
      <ul className="contacts" aria-label="Your contacts">
        {contacts.map((c) => (
          <li key={c.userId}>
            <span>{c.displayName || store.displayName(c.userId)}</span>
            <button onClick={() => onChat(c.userId)} aria-label={`Message ${c.displayName || store.displayName(c.userId)}`}>
              Message
            </button>
          </li>
        ))}
      </ul>
      {contacts.length === 0 && <p className="empty">No contacts yet.</p>}
    </section>
  );
}
