import { useEffect, useState } from 'react';
import type { Contact, Group } from '../../../libs/client/src/index.js';
import { useStore, type ChatStore } from '../store.js';
import { SidePanel } from './panels.js';

/** A group's name and members; admins rename, add, remove, promote and demote; anyone leaves. */
export function GroupInfo({ store, groupId, onClose }: { store: ChatStore; groupId: string; onClose: () => void }) {
  const state = useStore(store);
  const [group, setGroup] = useState<Group | null>(null);
  // What the admin is typing; null shows the current name, so a reload never overwrites typing.
  const [draftName, setDraftName] = useState<string | null>(null);
  const [contacts, setContacts] = useState<Contact[]>([]);
  const [adding, setAdding] = useState('');

  // Loads at mount, and again on each change by anyone (this admin's own too): it arrives as a `group` frame.
  const changes = state.groupChanges[groupId] ?? 0;
  useEffect(() => {
    let current = true;
    void store.attempt(() => store.api.group(groupId)).then((loaded) => {
      if (!loaded || !current) return;
      setGroup(loaded);
      for (const m of loaded.members) void store.nameOf(m.userId);
    });
    return () => {
      current = false;
    };
  }, [store, groupId, changes]);
  useEffect(() => {
    void store.api.contacts().then(setContacts, () => {});
  }, [store]);

  if (!group) return <aside className="side-panel">Loading…</aside>;
  const amAdmin = group.members.some((m) => m.userId === store.me && m.role === 'admin');
  const candidates = contacts.filter((c) => !group.members.some((m) => m.userId === c.userId));

  return (
    <SidePanel title="Group info" onClose={onClose}>
      {amAdmin ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const name = (draftName ?? group.name).trim();
            void store.attempt(() => store.api.updateGroup(groupId, { name })).then((renamed) => {
              if (renamed === undefined) return;
              // Shown until the reload that the rename's `group` frame brings.
              setGroup((loaded) => loaded && { ...loaded, name });
              setDraftName(null);
            });
          }}
        >
          <label htmlFor="group-name">Group name</label>
          <input id="group-name" value={draftName ?? group.name} maxLength={100} onChange={(e) => setDraftName(e.target.value)} />
          <button type="submit">Rename</button>
        </form>
      ) : (
        <h4>{group.name}</h4>
      )}
      <h4>{group.members.length} members</h4>
      <ul className="members" aria-label="Members">
        {group.members.map((m) => (
          <li key={m.userId}>
            <span>
              {store.displayName(m.userId)} {m.role === 'admin' && <em className="badge">admin</em>}
            </span>
            {amAdmin && m.userId !== store.me && (
              <span className="member-actions">
                <button onClick={() => void store.attempt(() => store.api.setAdmin(groupId, m.userId, m.role !== 'admin'))}>{m.role === 'admin' ? 'Dismiss as admin' : 'Make admin'}</button>
                <button onClick={() => void store.attempt(() => store.api.removeMember(groupId, m.userId))}>Remove</button>
              </span>
            )}
          </li>
        ))}
      </ul>
      {amAdmin && candidates.length > 0 && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (adding) void store.attempt(() => store.api.addMembers(groupId, [adding])).then(() => setAdding(''));
          }}
        >
          <label htmlFor="add-member">Add a contact</label>
          <select id="add-member" value={adding} onChange={(e) => setAdding(e.target.value)}>
            <option value="">Choose…</option>
            {candidates.map((c) => (
              <option key={c.userId} value={c.userId}>
                {c.displayName || store.displayName(c.userId)}
              </option>
            ))}
          </select>
          <button type="submit" disabled={!adding}>
            Add
          </button>
        </form>
      )}
      <button className="danger" onClick={() => void store.attempt(() => store.api.leaveGroup(groupId))}>
        Leave group
      </button>
    </SidePanel>
  );
}
