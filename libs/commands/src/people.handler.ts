import { normaliseAddressBookNumber } from '../../auth/src/phone-number.js';
import { userIdForPhone } from '../../auth/src/user-id.js';
import {
  ChangeBlock,
  Clock,
  decideChangeBlock,
  decideLogOutDevice,
  directConversationId,
  decidePrivacy,
  decideUpdateProfile,
  PrivacyCommand,
  PrivacySettings,
  streams,
  systemClock,
  UpdateProfile,
} from '../../domain/src/index.js';
import { AggregateStore } from './aggregate-store.js';
import { DirectConversationAggregate, PrivacyAggregate, UserAggregate } from './aggregates.js';
import { UserDirectory } from './user-directory.js';

type Without<C, K extends string> = C extends unknown ? Omit<C, K> : never;

/** Profile, privacy settings, blocks, contacts and devices: what a user decides about themselves. */
export class PeopleHandler {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly users: UserDirectory,
    private readonly idSecret: string,
    private readonly clock: Clock = systemClock,
  ) {}

  async updateProfile(userId: string, fields: Omit<UpdateProfile, 'userId' | 'now' | 'audience'>): Promise<void> {
    const audience = await this.users.profileAudience(userId);
    await this.aggregates.execute(streams.user(userId), UserAggregate, (state) => ({
      events: decideUpdateProfile({ ...fields, userId, audience, now: this.clock.now() }, state),
      result: undefined,
    }));
  }

  logOutDevice(userId: string, deviceId: string): Promise<void> {
    return this.aggregates.execute(streams.user(userId), UserAggregate, (state) => ({
      events: decideLogOutDevice({ userId, deviceId, now: this.clock.now() }, state),
      result: undefined,
    }));
  }

  changePrivacy(userId: string, settings: Partial<PrivacySettings>): Promise<void> {
    return this.privacy({ type: 'ChangePrivacySettings', userId, settings });
  }

  async block(userId: string, blockedUserId: string): Promise<void> {
    if (blockedUserId !== userId) await this.users.assertExist([blockedUserId]);
    await this.changeBlock({ type: 'BlockUser', userId, blockedUserId });
  }

  unblock(userId: string, blockedUserId: string): Promise<void> {
    return this.changeBlock({ type: 'UnblockUser', userId, blockedUserId });
  }

  /** On the direct conversation's stream, where sends are decided. */
  private changeBlock(command: Omit<ChangeBlock, 'now'>): Promise<void> {
    const stream = streams.conversation(directConversationId(command.userId, command.blockedUserId));
    return this.aggregates.execute(stream, DirectConversationAggregate, (state) => ({
      events: decideChangeBlock({ ...command, now: this.clock.now() }, state),
      result: undefined,
    }));
  }

  /**
   * Finds which of the numbers belong to registered users and adds those users to the caller's
   * contacts. Numbers that are invalid or unregistered are simply absent from the answer.
   */
  async syncContacts(userId: string, phones: string[]): Promise<{ phone: string; userId: string }[]> {
    const candidates = new Map<string, string>();
    for (const phone of phones) {
      const e164 = normaliseAddressBookNumber(phone);
      if (e164) candidates.set(phone, userIdForPhone(e164, this.idSecret));
    }
    const registered = await this.users.registered([...candidates.values()]);
    const found = [...candidates].filter(([, id]) => registered.has(id) && id !== userId).map(([phone, id]) => ({ phone, userId: id }));
    await this.aggregates.execute(streams.privacy(userId), PrivacyAggregate, (state) => ({
      events: decidePrivacy(
        { type: 'SyncContacts', userId, contactIds: [...state.contacts, ...found.map((f) => f.userId)], now: this.clock.now() },
        state,
      ),
      result: undefined,
    }));
    return found;
  }

  private privacy(command: Without<PrivacyCommand, 'now'>): Promise<void> {
    return this.aggregates.execute(streams.privacy(command.userId), PrivacyAggregate, (state) => ({
      events: decidePrivacy({ ...command, now: this.clock.now() } as PrivacyCommand, state),
      result: undefined,
    }));
  }
}
