/** Announces destroyed keys, with their ids (comma-separated), in the transaction that destroys them: other processes drop their copies. */
export const KEYS_DESTROYED_CHANNEL = 'data_keys_destroyed';

/**
 * Where the data keys of sealed events live: outside the event log, wrapped by the master key.
 * Destroying a key is what erases what it sealed, in every copy of the log (crypto-shredding).
 */
export interface KeyVault {
  /**
   * True when the event store itself writes the keys handed to it in `AppendOptions.dataKeys`,
   * in the append's own transaction (the vault lives beside the log): no `put` is then needed.
   */
  readonly storedWithAppends: boolean;
  /** Stores wrapped data keys; an event appended after this resolves finds them. Ids already present keep their key. */
  put(keys: { id: string; wrapped: Buffer }[]): Promise<void>;
  /** The wrapped keys of these ids that exist and are not destroyed. */
  get(ids: string[]): Promise<Map<string, Buffer>>;
  /** Destroys the keys for good; a destroyed id can never hold a key again. */
  destroy(ids: string[]): Promise<void>;
}

/** A vault in memory, for tests and the in-memory event store; not for production. */
export class InMemoryKeyVault implements KeyVault {
  readonly storedWithAppends = false;
  private readonly keys = new Map<string, Buffer | null>();

  async put(keys: { id: string; wrapped: Buffer }[]): Promise<void> {
    for (const { id, wrapped } of keys) if (!this.keys.has(id)) this.keys.set(id, Buffer.from(wrapped));
  }

  async get(ids: string[]): Promise<Map<string, Buffer>> {
    const found = new Map<string, Buffer>();
    for (const id of ids) {
      const key = this.keys.get(id);
      if (key) found.set(id, key);
    }
    return found;
  }

  async destroy(ids: string[]): Promise<void> {
    for (const id of ids) this.keys.set(id, null);
  }
}
