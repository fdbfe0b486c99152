import { useEffect, useState } from 'react';
import type { Audience, Device, Me, PrivacySettings } from '../../../libs/client/src/index.js';
import { fullTime } from '../format.js';
import type { ChatStore } from '../store.js';

const AUDIENCES: Audience[] = ['everyone', 'contacts', 'nobody'];
const PRIVACY_LABELS: [keyof PrivacySettings, string][] = [
  ['lastSeen', 'Last seen'],
  ['online', 'Online'],
  ['profilePhoto', 'Profile photo'],
  ['about', 'About'],
  ['groupAdd', 'Who can add me to groups'],
];

/** Profile, privacy, blocked people, devices (with log-out), and signing out. */
export function SettingsPanel({ store, onSignedOut }: { store: ChatStore; onSignedOut: () => void }) {
  const [me, setMe] = useState<Me | null>(null);
  const [devices, setDevices] = useState<Device[]>([]);
  const [blocked, setBlocked] = useState<string[]>([]);
  const [profile, setProfile] = useState({ displayName: '', about: '' });
  const [saved, setSaved] = useState<string | null>(null);

  const load = async () => {
    const loaded = await store.attempt(() => store.api.me());
    if (loaded) {
      setMe(loaded);
      setProfile({ displayName: loaded.displayName, about: loaded.about ?? '' });
    }
    await store.attempt(() => store.api.devices()).then((d) => d && setDevices(d));
    await store.attempt(() => store.api.blocked()).then((b) => {
      if (!b) return;
      setBlocked(b);
      for (const id of b) void store.nameOf(id);
    });
  };
  useEffect(() => {
    void load();
  }, []);
  const run = async (command: () => Promise<unknown>, done: string) => {
    if ((await store.attempt(command)) === undefined) return;
    setSaved(done);
    await load();
  };

  if (!me) return <p className="panel">Loading…</p>;
  return (
    <section className="panel settings" aria-label="Settings">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => store.api.updateProfile(profile), 'Profile saved.');
        }}
      >
        <h3>Profile</h3>
        <p>Signed in as {me.phone}</p>
        <label htmlFor="display-name">Name</label>
        <input id="display-name" value={profile.displayName} maxLength={64} onChange={(e) => setProfile({ ...profile, displayName: e.target.value })} />
        <label htmlFor="about">About</label>
        <input id="about" value={profile.about} maxLength={140} onChange={(e) => setProfile({ ...profile, about: e.target.value })} />
        <button type="submit">Save profile</button>
      </form>
      <fieldset>
        <legend>Privacy</legend>
        {PRIVACY_LABELS.map(([key, label]) => (
          <label key={key} className="setting">
            {label}{' '}
            <select value={String(me.privacy[key])} onChange={(e) => void run(() => store.api.updatePrivacy({ [key]: e.target.value }), 'Privacy saved.')}>
              {AUDIENCES.map((a) => (
                <option key={a} value={a}>
                  {a === 'everyone' ? 'Everyone' : a === 'contacts' ? 'My contacts' : 'Nobody'}
                </option>
              ))}
            </select>
          </label>
        ))}
        <label className="setting check">
          <input type="checkbox" checked={me.privacy.readReceipts} onChange={(e) => void run(() => store.api.updatePrivacy({ readReceipts: e.target.checked }), 'Privacy saved.')} />
          Read receipts (off also hides others' from you)
        </label>
      </fieldset>
      {saved && <p role="status">{saved}</p>}
      <h3>Blocked</h3>
      {blocked.length === 0 ? (
        <p className="empty">Nobody.</p>
      ) : (
        <ul aria-label="Blocked people">
          {blocked.map((id) => (
            <li key={id}>
              {store.displayName(id)} <button onClick={() => void run(() => store.api.setBlocked(id, false), 'Unblocked.')}>Unblock</button>
            </li>
          ))}
        </ul>
      )}
      <h3>Devices</h3>
      <ul aria-label="Devices">
        {devices.map((d) => (
          <li key={d.deviceId}>
            {d.name} {d.current ? <em>(this device)</em> : <small>since {fullTime(d.loggedInAt)}</small>}{' '}
            {!d.current && <button onClick={() => void run(() => store.api.logOutDevice(d.deviceId), 'Device logged out.')}>Log out</button>}
          </li>
        ))}
      </ul>
      <button
        className="danger"
        onClick={async () => {
          await store.attempt(() => store.api.logOutDevice(store.session.deviceId));
          onSignedOut();
        }}
      >
        Sign out
      </button>
    </section>
  );
}
