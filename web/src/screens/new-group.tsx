import { useEffect, useState } from 'react';
import type { Contact } from '../../../libs/client/src/index.js';
import type { ChatStore } from '../store.js';

export function NewGroupPanel({ store, onCreated }: { store: ChatStore; onCreated: (conversationId: string) => void }) {
  const [contacts, setContacts] = useState<Contact[]>([]);
  const [name, setName] = useState('');
  const [members, setMembers] = useState<string[]>([]);
  useEffect(() => {
    void store.attempt(() => store.api.contacts()).then((c) => c && setContacts(c));
  }, [store]);
  const create = async () => {
    const created = await store.attempt(() => store.api.createGroup(name.trim(), members));
    if (!created) return;
    await store.refreshInbox();
    onCreated(created.conversationId);
  };
  return (
    <form
      className="panel"
      aria-label="New group"
      onSubmit={(e) => {
        e.preventDefault();
        void create();
      }}
    >
      <label htmlFor="new-group-name">Group name</label>
      <input id="new-group-name" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} required />
      <fieldset>
        <legend>Members</legend>
        {contacts.length === 0 && <p className="empty">Find contacts first.</p>}
        {contacts.map((c) => (
          <label key={c.userId} className="check">
            <input type="checkbox" checked={members.includes(c.userId)} onChange={(e) => setMembers(e.target.checked ? [...members, c.userId] : members.filter((id) => id !== c.userId))} />
            {c.displayName || store.displayName(c.userId)}
          </label>
        ))}
      </fieldset>
      <button type="submit" disabled={!name.trim()}>
        Create group
      </button>
    </form>
  );
}
