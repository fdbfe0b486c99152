import { createHmac } from 'node:crypto';
import type { SqlRunner } from '../../read-models/src/data-source.js';

export interface CallHistoryItem {
  callId: string;
  conversationId: string;
  callerId: string;
  media: 'audio' | 'video';
  direction: 'outgoing' | 'incoming';
  /** ringing or active while the call goes on; ended after. */
  status: 'ringing' | 'active' | 'ended';
  /** How it ended for this user: completed, missed, declined, cancelled or busy; null while it goes on. */
  outcome: string | null;
  startedAt: string;
  endedAt: string | null;
  durationSeconds: number;
}

/** The caller's calls, newest first; `before` (a call id from the last page) pages back. */
export class CallsQuery {
  constructor(private readonly db: SqlRunner) {}

  async history(userId: string, limit: number, before?: string): Promise<CallHistoryItem[]> {
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT call_id, conversation_id, caller_id, media, direction, status, outcome, started_at, ended_at, duration_seconds
       FROM call_history h
       WHERE user_id = $1 AND ($3::text IS NULL OR (started_at, call_id) < (SELECT started_at, call_id FROM call_history WHERE user_id = $1 AND call_id = $3))
       ORDER BY started_at DESC, call_id DESC LIMIT $2`,
      [userId, limit, before ?? null],
    );
    return rows.map((r) => ({
      callId: r.call_id as string,
      conversationId: r.conversation_id as string,
      callerId: r.caller_id as string,
      media: r.media as CallHistoryItem['media'],
      direction: r.direction as CallHistoryItem['direction'],
      status: r.status as CallHistoryItem['status'],
      outcome: r.outcome as string | null,
      startedAt: (r.started_at as Date).toISOString(),
      endedAt: r.ended_at ? (r.ended_at as Date).toISOString() : null,
      durationSeconds: r.duration_seconds as number,
    }));
  }
}

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

export interface IceSettings {
  stunUrls: string[];
  turnUrls: string[];
  turnSecret?: string;
  ttlSeconds: number;
}

/**
 * STUN and TURN servers for a device's RTCPeerConnection. TURN credentials are coturn's REST
 * form (use-auth-secret): the username is `expiry:userId` (expiry in Unix seconds), the
 * password base64(HMAC-SHA1(secret, username)); coturn checks both and the expiry itself.
 */
export function iceServers(settings: IceSettings, userId: string, now: Date): { iceServers: IceServer[]; ttlSeconds: number } {
  const servers: IceServer[] = [];
  if (settings.stunUrls.length > 0) servers.push({ urls: settings.stunUrls });
  if (settings.turnUrls.length > 0 && settings.turnSecret) {
    const username = `${Math.floor(now.getTime() / 1000) + settings.ttlSeconds}:${userId}`;
    const credential = createHmac('sha1', settings.turnSecret).update(username).digest('base64');
    servers.push({ urls: settings.turnUrls, username, credential });
  }
  return { iceServers: servers, ttlSeconds: settings.ttlSeconds };
}

export const urlList = (value: string) => value.split(',').map((url) => url.trim()).filter((url) => url.length > 0);
