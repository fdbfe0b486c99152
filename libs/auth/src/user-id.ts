import { createHmac } from 'node:crypto';

/**
 * A user's id is derived from their phone number with a server secret: registering the same
 * number twice lands on the same stream (the event store's version check makes registration
 * race-free), while ids reveal nothing about numbers to anyone without the secret.
 */
export function userIdForPhone(phone: string, idSecret: string): string {
  return 'u' + createHmac('sha256', idSecret).update(phone).digest('base64url').slice(0, 22);
}
