import { useState, type FormEvent } from 'react';
import { MessengerApi, type Session } from '../../../libs/client/src/index.js';
import { noticeOf } from '../notices.js';

/** Sign in with a phone number; in development mode the server hands back the code, shown here. */
export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const api = new MessengerApi('');
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState('');
  const [devCode, setDevCode] = useState<string | null>(null);
  const [step, setStep] = useState<'phone' | 'code' | 'name'>('phone');
  const [name, setName] = useState('');
  const [session, setSession] = useState<Session | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = (action: () => Promise<void>) => async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (failure) {
      setError(noticeOf(failure));
    } finally {
      setBusy(false);
    }
  };

  const requestCode = run(async () => {
    const answer = await api.requestCode(phone.trim());
    setDevCode(answer.devCode ?? null);
    setCode(answer.devCode ?? '');
    setStep('code');
  });

  const verify = run(async () => {
    const signedIn = await api.verify(phone.trim(), code.trim(), browserName());
    const authed = new MessengerApi('', signedIn.token);
    const me = await authed.me();
    if (me.displayName) onSignedIn(signedIn);
    else {
      setSession(signedIn);
      setStep('name');
    }
  });

  const saveName = run(async () => {
    if (name.trim()) await new MessengerApi('', session!.token).updateProfile({ displayName: name.trim() });
    onSignedIn(session!);
  });

  return (
    <main className="sign-in">
      <h1>Messenger</h1>
      {step === 'phone' && (
        <form onSubmit={requestCode}>
          <label htmlFor="phone">Your phone number</label>
          <input id="phone" type="tel" autoComplete="tel" placeholder="+14155550123" value={phone} onChange={(e) => setPhone(e.target.value)} required autoFocus />
          <p className="hint">In international format, starting with + and the country code.</p>
          <button type="submit" disabled={busy}>
            Send code
          </button>
        </form>
      )}
      {step === 'code' && (
        <form onSubmit={verify}>
          {devCode && (
            <p className="dev-code" role="status">
              Development mode: your code is <strong data-testid="dev-code">{devCode}</strong>
            </p>
          )}
          <label htmlFor="code">Code sent to {phone}</label>
          <input id="code" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} required autoFocus />
          <button type="submit" disabled={busy}>
            Sign in
          </button>
          <button type="button" className="link" onClick={() => setStep('phone')}>
            Use another number
          </button>
        </form>
      )}
      {step === 'name' && (
        <form onSubmit={saveName}>
          <label htmlFor="name">Your name, as others see it</label>
          <input id="name" value={name} maxLength={64} onChange={(e) => setName(e.target.value)} autoFocus />
          <button type="submit" disabled={busy}>
            Continue
          </button>
        </form>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <p className="hint">
        <a href="#/audit">Auditor view</a>
      </p>
    </main>
  );
}

function browserName(): string {
  const agent = navigator.userAgent;
  const browser = /Firefox\//.test(agent) ? 'Firefox' : /Edg\//.test(agent) ? 'Edge' : /Chrom(e|ium)\//.test(agent) ? 'Chrome' : /Safari\//.test(agent) ? 'Safari' : 'Browser';
  return `${browser} (web)`;
}
