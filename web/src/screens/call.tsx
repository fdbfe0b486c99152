import { useEffect, useRef } from 'react';
import type { ChatStore } from '../store.js';
import { useCalls } from '../call.js';

/** A <video> showing a stream (React cannot set srcObject as an attribute). */
function StreamView({ stream, muted, label }: { stream: MediaStream; muted: boolean; label: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current && ref.current.srcObject !== stream) ref.current.srcObject = stream;
  }, [stream]);
  return <video ref={ref} autoPlay playsInline muted={muted} aria-label={label} />;
}

const STATUS_TEXT = { incoming: 'Incoming call', calling: 'Calling…', connecting: 'Connecting…', active: 'In call' } as const;

/** The call on this device: ringing (accept or decline), calling, or in the call with its controls. */
export function CallOverlay({ store }: { store: ChatStore }) {
  const { call } = useCalls(store.calls);
  if (!call) return null;
  const peerName = call.callerId === store.me ? store.conversationTitle(call.conversationId) : store.displayName(call.callerId);
  const kind = call.media === 'video' ? 'video call' : 'voice call';
  return (
    <div className="call-overlay" role="dialog" aria-label={`${STATUS_TEXT[call.status]}: ${kind} with ${peerName}`}>
      <p className="call-status" data-testid="call-status" data-status={call.status}>
        {call.status === 'incoming' ? `Incoming ${kind} from ${peerName}` : `${STATUS_TEXT[call.status]} ${peerName}`}
      </p>
      <div className="call-streams">
        {Object.entries(call.remote).map(([userId, stream]) => (
          <StreamView key={userId} stream={stream} muted={false} label={`${store.displayName(userId)}'s video`} />
        ))}
        {call.local && call.media === 'video' && <StreamView stream={call.local} muted label="Your camera" />}
      </div>
      <div className="call-controls" role="toolbar" aria-label="Call controls">
        {call.status === 'incoming' ? (
          <>
            <button className="accept" onClick={() => void store.calls.accept()}>
              Accept
            </button>
            <button className="hang-up" onClick={() => store.calls.decline()}>
              Decline
            </button>
          </>
        ) : (
          <>
            <button aria-pressed={call.muted} onClick={() => store.calls.toggleMute()}>
              {call.muted ? 'Unmute' : 'Mute'}
            </button>
            {call.media === 'video' && (
              <button aria-pressed={call.cameraOff} onClick={() => store.calls.toggleCamera()}>
                {call.cameraOff ? 'Camera on' : 'Camera off'}
              </button>
            )}
            <button className="hang-up" onClick={() => store.calls.hangUp()}>
              Hang up
            </button>
          </>
        )}
      </div>
    </div>
  );
}

const OUTCOME_TEXT: Record<string, string> = { completed: '', missed: 'Missed', declined: 'Declined', cancelled: 'Cancelled', busy: 'Busy' };

const duration = (seconds: number) => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;

/** The call history: newest first, incoming or outgoing, how each ended and how long it lasted. */
export function CallHistoryPanel({ store }: { store: ChatStore }) {
  const { history } = useCalls(store.calls);
  useEffect(() => void store.calls.loadHistory(), [store]);
  if (history.length === 0) return <p className="empty">No calls yet.</p>;
  return (
    <ul className="call-history" aria-label="Call history">
      {history.map((item) => {
        const who = item.direction === 'outgoing' ? store.conversationTitle(item.conversationId) : store.displayName(item.callerId);
        const outcome = item.status === 'ended' ? OUTCOME_TEXT[item.outcome ?? ''] || duration(item.durationSeconds) : 'Ongoing';
        return (
          <li key={item.callId} data-testid="call-history-item" data-outcome={item.outcome ?? ''} data-direction={item.direction}>
            <span className={`call-direction ${item.outcome === 'missed' ? 'missed' : ''}`} aria-label={item.direction}>
              {item.direction === 'outgoing' ? '↗' : '↙'}
            </span>{' '}
            <strong>{who}</strong> · {item.media === 'video' ? 'Video' : 'Voice'} · {outcome}{' '}
            <time dateTime={item.startedAt}>{new Date(item.startedAt).toLocaleString()}</time>
          </li>
        );
      })}
    </ul>
  );
}
