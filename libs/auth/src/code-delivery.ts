import { DomainError } from '../../domain/src/errors.js';

export const CODE_DELIVERY = Symbol('CodeDelivery');

/** How a one-time login code reaches its phone. */
export interface CodeDelivery {
  /** Delivers `code` to `phone`; what the request-code answer may say (the code itself, only in development). */
  deliver(phone: string, code: string): Promise<{ devCode?: string }>;
}

/** Development: no SMS; the code is returned to the caller, so a newcomer can log in at once. */
export const developmentDelivery: CodeDelivery = {
  deliver: async (_phone, code) => ({ devCode: code }),
};

export interface SmsWebhookOptions {
  url: string;
  /** Sent as `Authorization: Bearer <token>` when set. */
  token?: string;
  timeoutMs?: number;
}

/**
 * SMS through a webhook: POSTs `{"to": "+4915…", "code": "123456", "text": "…"}` (JSON) to the
 * configured URL and expects a 2xx. Any SMS provider can sit behind it — a small function at
 * Twilio, Vonage or an in-house gateway — without this server carrying one vendor's SDK.
 * A failure answers 503 `sms_unavailable`; the code stays valid and the request counts
 * against the per-phone limit, so retrying cannot be used to send unlimited texts.
 */
export class SmsWebhookDelivery implements CodeDelivery {
  constructor(private readonly options: SmsWebhookOptions) {}

  async deliver(phone: string, code: string): Promise<{ devCode?: string }> {
    let status: number;
    try {
      const response = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
        },
        body: JSON.stringify({ to: phone, code, text: `Your Messenger code: ${code}` }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      status = response.status;
      await response.body?.cancel();
    } catch {
      status = 0;
    }
    if (status < 200 || status > 299) {
      throw new DomainError('unavailable', 'sms_unavailable', 'the code could not be sent by SMS right now; try again shortly');
    }
    return {};
  }
}
