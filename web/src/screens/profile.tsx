import { useEffect, useState } from 'react';
import type { Profile } from '../../../libs/client/src/index.js';
import { lastSeenText } from '../format.js';
import { useStore, type ChatStore } from '../store.js';
import { SidePanel } from './panels.js';

/** Someone's profile as their privacy settings let the viewer see it, and blocking them. */
export function ProfilePanel({ store, userId, onClose }: { store: ChatStore; userId: string; onClose: () => void }) {
  const state = useStore(store);
  const [profile, setProfile] = useState<Profile | null>(null);
  const [blocked, setBlocked] = useState<boolean | null>(null);
  useEffect(() => {
    void store.attempt(() => store.api.profile(userId)).then((p) => p && setProfile(p));
    void store.api.blocked().then((ids) => setBlocked(ids.includes(userId)), () => {});
  }, [store, userId]);
  const toggleBlock = async () => {
    if ((await store.attempt(() => store.api.setBlocked(userId, !blocked))) !== undefined) setBlocked(!blocked);
  };
  return (
    <SidePanel title="Contact info" onClose={onClose}>
      <h4>{profile?.displayName || store.displayName(userId)}</h4>
      {profile?.about && <p>{profile.about}</p>}
      <p>{lastSeenText(state.presence[userId])}</p>
      {blocked !== null && (
        <button className={blocked ? '' : 'danger'} onClick={() => void toggleBlock()}>
          {blocked ? 'Unblock' : 'Block'}
        </button>
      )}
    </SidePanel>
  );
}
