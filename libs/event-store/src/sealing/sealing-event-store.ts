import type {
  AppendOptions,
  AppendResult,
  CatchUpSubscription,
  EventStore,
  EventToAppend,
  ExpectedVersion,
  StoredEvent,
  SubscribeOptions,
} from '../event-store.port.js';
import { newDataKey, openText, sealText, unwrapKey, wrapKey } from './data-keys.js';
import { LRUCache } from 'lru-cache';
import type { KeyVault } from './key-vault.js';

/** Which fields of an event type are personal, and which item's key seals them. */
export interface SealingRule {
  /** The data field naming the item (e.g. `messageId`): one data key per item. */
  keyField: string;
  /** Fields sealed when they hold a string. */
  fields: readonly string[];
  /** True for the event that introduces the item (its key is made then); false for later events about it. */
  createsKey: boolean;
}

/** How a sealed field is stored: never a plain string, so nothing reads it as text by mistake. */
interface SealedValue {
  $sealed: string;
}

const isSealed = (value: unknown): value is SealedValue =>
  typeof value === 'object' && value !== null && typeof (value as SealedValue).$sealed === 'string';

/** The item's key was destroyed: it was erased, so nothing more may be sealed with it. */
export class KeyDestroyedError extends Error {
  constructor(readonly keyId: string) {
    super(`the data key of ${keyId} was destroyed`);
    this.name = 'KeyDestroyedError';
  }
}

/** Erases items for good by destroying their data keys. */
export interface DataKeys {
  destroy(keyIds: string[]): Promise<void>;
  /** Those of these items that are erased (their keys destroyed). */
  erased(keyIds: string[]): Promise<Set<string>>;
  /** Another process destroyed these keys: drop any copy held here. */
  forget(keyIds: string[]): void;
}

const MAX_CACHED_KEYS = 50_000;
const MAX_OPENED_ITEMS = 10_000;
/** A key known to be destroyed: kept in the cache so no vault read is spent on it again. */
const DESTROYED = 'destroyed';

/**
 * Decorates any adapter with crypto-shredding: the personal fields of each appended event are
 * sealed (AES-256-GCM) with their item's data key, which is kept in the key vault wrapped by the
 * master key; every read opens them again. Once an item's key is destroyed its fields read as
 * null and the event says `erased: true` — in the live log, in old copies, in a rebuild.
 */
export class SealingEventStore implements EventStore, DataKeys {
  /**
   * Unwrapped data keys recently made or used. A least-recently-used cache, not a Map evicted by
   * its first key: V8 makes that eviction cost a scan of every deleted slot, ~30 µs per message
   * once 50,000 keys are held.
   */
  private readonly cache = new LRUCache<string, Buffer | typeof DESTROYED>({ max: MAX_CACHED_KEYS });
  /**
   * What recent sealed values say, by key id: every subscriber in this process reads each new
   * event, and looking the text up costs less than opening it again. Dropped with the key.
   */
  private readonly opened = new LRUCache<string, Map<string, string>>({ max: MAX_OPENED_ITEMS });
  /**
   * The plain data of each event sealed here, by its sealed data object: the adapter hands that
   * very object to this process's subscribers, which then need no cipher and no cache lookup.
   */
  private readonly plainOf = new WeakMap<Record<string, unknown>, Record<string, unknown>>();

  constructor(
    private readonly inner: EventStore,
    private readonly vault: KeyVault,
    private readonly masterKey: Buffer,
    private readonly rules: Readonly<Record<string, SealingRule>>,
  ) {}

  async append(streamId: string, events: EventToAppend[], expected: ExpectedVersion, options?: AppendOptions): Promise<AppendResult> {
    const { sealed, made } = await this.seal(events);
    if (made.length === 0) return this.inner.append(streamId, sealed, expected, options);
    // Never an event without its key: stored with it, or before it.
    if (this.vault.storedWithAppends) return this.inner.append(streamId, sealed, expected, { ...options, dataKeys: made });
    await this.vault.put(made);
    return this.inner.append(streamId, sealed, expected, options);
  }

  async readStream(streamId: string, afterVersion?: number): Promise<StoredEvent[]> {
    return this.open(await this.inner.readStream(streamId, afterVersion));
  }

  async readAll(after: bigint, limit: number): Promise<StoredEvent[]> {
    return this.open(await this.inner.readAll(after, limit));
  }

  headPosition(): Promise<bigint> {
    return this.inner.headPosition();
  }

  subscribeToAll(options: SubscribeOptions): CatchUpSubscription {
    return this.inner.subscribeToAll({ ...options, handle: async (events) => options.handle(await this.open(events)) });
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  async destroy(keyIds: string[]): Promise<void> {
    if (keyIds.length === 0) return;
    this.forget(keyIds);
    await this.vault.destroy(keyIds);
  }

  forget(keyIds: string[]): void {
    for (const id of keyIds) this.remember(id, null);
  }

  async erased(keyIds: string[]): Promise<Set<string>> {
    // Only whether each key exists: the keys themselves are not unwrapped for it.
    const unknown = [...new Set(keyIds)].filter((id) => !this.cache.has(id));
    const stored = unknown.length > 0 ? await this.vault.get(unknown) : new Map<string, Buffer>();
    for (const id of unknown) if (!stored.has(id)) this.remember(id, null);
    return new Set(keyIds.filter((id) => this.cache.get(id) === DESTROYED));
  }

  private openedText(keyId: string, sealed: string, open: () => string): string {
    const known = this.opened.get(keyId)?.get(sealed);
    if (known !== undefined) return known;
    const text = open();
    this.keepOpened(keyId, sealed, text);
    return text;
  }

  private keepOpened(keyId: string, sealed: string, text: string): void {
    let texts = this.opened.get(keyId);
    if (!texts) this.opened.set(keyId, (texts = new Map()));
    texts.set(sealed, text);
  }

  private async seal(events: EventToAppend[]): Promise<{ sealed: EventToAppend[]; made: { id: string; wrapped: Buffer }[] }> {
    if (!events.some((event) => this.rules[event.type])) return { sealed: events, made: [] };
    const existing = events.filter((e) => this.rules[e.type] && !this.rules[e.type].createsKey).map((e) => this.keyIdOf(e));
    await this.loadKeys(existing);
    const made: { id: string; wrapped: Buffer }[] = [];
    const sealed = events.map((event) => {
      const rule = this.rules[event.type];
      if (!rule) return event;
      const keyId = this.keyIdOf(event);
      let key = this.keyOf(keyId);
      if (key === undefined && rule.createsKey) {
        key = newDataKey();
        this.remember(keyId, key);
        made.push({ id: keyId, wrapped: wrapKey(this.masterKey, keyId, key) });
      }
      if (!key) throw new KeyDestroyedError(keyId);
      const data = { ...event.data };
      for (const field of rule.fields) {
        const value = data[field];
        if (typeof value !== 'string') continue;
        const sealedText = sealText(key, `${keyId}:${event.type}:${field}`, value);
        this.keepOpened(keyId, sealedText, value);
        data[field] = { $sealed: sealedText } satisfies SealedValue;
      }
      this.plainOf.set(data, event.data);
      return { ...event, data };
    });
    return { sealed, made };
  }

  private async open(events: StoredEvent[]): Promise<StoredEvent[]> {
    const sealedEvents = new Set(events.filter((event) => this.rules[event.type]?.fields.some((f) => isSealed(event.data[f]))));
    if (sealedEvents.size === 0) return events;
    await this.loadKeys([...sealedEvents].map((event) => this.keyIdOf(event)));
    return events.map((event) => {
      if (!sealedEvents.has(event)) return event;
      const rule = this.rules[event.type];
      const keyId = this.keyIdOf(event);
      const key = this.keyOf(keyId);
      const plain = this.plainOf.get(event.data);
      if (key && plain) return { ...event, data: { ...plain } };
      const data: Record<string, unknown> = { ...event.data };
      for (const field of rule.fields) {
        const value = data[field];
        if (!isSealed(value)) continue;
        data[field] = key ? this.openedText(keyId, value.$sealed, () => openText(key, `${keyId}:${event.type}:${field}`, value.$sealed)) : null;
      }
      if (!key) data.erased = true;
      return { ...event, data };
    });
  }

  /** Brings the keys of these ids into the cache, from the vault, in one read. */
  private async loadKeys(keyIds: string[]): Promise<void> {
    const missing = [...new Set(keyIds)].filter((id) => !this.cache.has(id));
    if (missing.length === 0) return;
    const found = await this.vault.get(missing);
    // Every event's key is stored before the event is: a key the vault lacks was destroyed.
    for (const id of missing) {
      const wrapped = found.get(id);
      this.remember(id, wrapped ? unwrapKey(this.masterKey, id, wrapped) : null);
    }
  }

  /** The cached key of this item: a key, null (destroyed), or undefined (not cached). */
  private keyOf(keyId: string): Buffer | null | undefined {
    const key = this.cache.get(keyId);
    return key === DESTROYED ? null : key;
  }

  private remember(keyId: string, key: Buffer | null): void {
    if (key === null) this.opened.delete(keyId);
    this.cache.set(keyId, key ?? DESTROYED);
  }

  private keyIdOf(event: { type: string; data: Record<string, unknown> }): string {
    const keyId = event.data[this.rules[event.type].keyField];
    if (typeof keyId !== 'string' || keyId.length === 0) throw new Error(`${event.type} has no ${this.rules[event.type].keyField} to key its sealed fields`);
    return keyId;
  }
}
