// Times as a chat app shows them: the clock time today, the date before.
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const day = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function shortTime(iso: string): string {
  const time = new Date(iso);
  return time.toDateString() === new Date().toDateString() ? clock.format(time) : day.format(time);
}

export const fullTime = (iso: string) => full.format(new Date(iso));

export function lastSeenText(presence: { online: boolean; lastSeen: string | null } | undefined): string {
  if (!presence) return '';
  if (presence.online) return 'online';
  return presence.lastSeen ? `last seen ${shortTime(presence.lastSeen)}` : '';
}
