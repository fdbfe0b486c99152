import { ContactsSynced, DEFAULT_PRIVACY, PrivacyEvent, PrivacySettings, PrivacySettingsChanged } from '../events.js';

/** What one user lets others see and who their contacts are (blocks live with the direct conversation). */
export interface Privacy {
  settings: PrivacySettings;
  contacts: Set<string>;
}

export const initialPrivacy = (): Privacy => ({ settings: { ...DEFAULT_PRIVACY }, contacts: new Set() });

export type PrivacyCommand =
  | { type: 'ChangePrivacySettings'; userId: string; settings: Partial<PrivacySettings>; now: Date }
  | { type: 'SyncContacts'; userId: string; contactIds: string[]; now: Date };

export function decidePrivacy(command: PrivacyCommand, state: Privacy): PrivacyEvent[] {
  const at = command.now.toISOString();
  switch (command.type) {
    case 'ChangePrivacySettings': {
      const changed = Object.fromEntries(
        Object.entries(command.settings).filter(([key, value]) => value !== undefined && state.settings[key as keyof PrivacySettings] !== value),
      ) as Partial<PrivacySettings>;
      if (Object.keys(changed).length === 0) return [];
      return [{ type: 'PrivacySettingsChanged', data: { userId: command.userId, settings: changed, at } } satisfies PrivacySettingsChanged];
    }
    case 'SyncContacts': {
      const contactIds = [...new Set(command.contactIds)].filter((id) => id !== command.userId).sort();
      const same = contactIds.length === state.contacts.size && contactIds.every((id) => state.contacts.has(id));
      if (same) return [];
      return [{ type: 'ContactsSynced', data: { userId: command.userId, contactIds, at } } satisfies ContactsSynced];
    }
  }
}

export function evolvePrivacy(state: Privacy, event: PrivacyEvent): Privacy {
  switch (event.type) {
    case 'PrivacySettingsChanged':
      state.settings = { ...state.settings, ...event.data.settings };
      break;
    case 'ContactsSynced':
      state.contacts = new Set(event.data.contactIds);
      break;
  }
  return state;
}


/** Whether `adderId` may add the owner of these settings to a group; `blockedByOwner`: the owner blocked the adder. */
export function mayAddToGroups(owner: Privacy, adderId: string, blockedByOwner: boolean): boolean {
  if (blockedByOwner) return false;
  const audience = owner.settings.groupAdd;
  return audience === 'everyone' || (audience === 'contacts' && owner.contacts.has(adderId));
}

/** Reciprocal, as WhatsApp: read receipts flow in a direct chat only when both have them on. */
export const readReceiptsShared = (a: PrivacySettings, b: PrivacySettings) => a.readReceipts && b.readReceipts;
