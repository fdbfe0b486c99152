import { randomUUID } from 'node:crypto';
import { Clock, decideLogInDevice, streams, systemClock } from '../../domain/src/index.js';
import type { LoginCodes } from '../../auth/src/login-codes.js';
import { normalisePhoneNumber } from '../../auth/src/phone-number.js';
import { TokenService } from '../../auth/src/tokens.js';
import { userIdForPhone } from '../../auth/src/user-id.js';
import { AggregateStore } from './aggregate-store.js';
import { UserAggregate } from './aggregates.js';

export interface LoggedIn {
  userId: string;
  deviceId: string;
  token: string;
}

/** Phone verification: a new phone registers its user (UserRegistered), a known one adds a device. */
export class LogInHandler {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly codes: Pick<LoginCodes, 'issue' | 'consume'>,
    private readonly tokens: TokenService,
    private readonly idSecret: string,
    private readonly clock: Clock = systemClock,
  ) {}

  requestCode(phone: string): Promise<string> {
    return this.codes.issue(normalisePhoneNumber(phone));
  }

  async verify(phoneInput: string, code: string, deviceName: string | undefined): Promise<LoggedIn> {
    const phone = normalisePhoneNumber(phoneInput);
    await this.codes.consume(phone, code);
    const userId = userIdForPhone(phone, this.idSecret);
    const deviceId = 'dev_' + randomUUID();
    await this.aggregates.execute(streams.user(userId), UserAggregate, (state) => ({
      events: decideLogInDevice({ userId, phone, deviceId, deviceName: deviceName ?? 'unnamed device', now: this.clock.now() }, state),
      result: undefined,
    }));
    return { userId, deviceId, token: await this.tokens.issue({ userId, deviceId }) };
  }
}
