import { mediaKeyId } from '../../domain/src/sealed-fields.js';
import { newDataKey, unwrapKey, wrapKey } from '../../event-store/src/sealing/data-keys.js';
import type { KeyVault } from '../../event-store/src/sealing/key-vault.js';
import type { DataKeys } from '../../event-store/src/sealing/sealing-event-store.js';

/**
 * A data key per media object, in the vault that holds the messages' keys and wrapped by the
 * same master key: destroying it makes every stored copy of the media unreadable, whatever
 * remains on disk, in a bucket or in a backup (crypto-shredding, docs/decisions.md §23 and §24).
 */
export class MediaKeys {
  constructor(
    private readonly vault: KeyVault,
    private readonly masterKey: Buffer,
    private readonly dataKeys: Pick<DataKeys, 'destroy' | 'erased'>,
  ) {}

  /** A key for a new media object, held in memory only until `store` keeps it (a refused upload leaves nothing in the vault). */
  make(): Buffer {
    return newDataKey();
  }

  /** Keeps the key of an accepted upload, before anything records the media. */
  async store(mediaId: string, key: Buffer): Promise<void> {
    const id = mediaKeyId(mediaId);
    await this.vault.put([{ id, wrapped: wrapKey(this.masterKey, id, key) }]);
  }

  /** The media's key, or null once destroyed. Not cached: one vault read is small next to streaming the object. */
  async get(mediaId: string): Promise<Buffer | null> {
    const id = mediaKeyId(mediaId);
    const wrapped = (await this.vault.get([id])).get(id);
    return wrapped ? unwrapKey(this.masterKey, id, wrapped) : null;
  }

  /** True once the media's key is destroyed (its bytes are unreadable wherever they remain). */
  async erased(mediaId: string): Promise<boolean> {
    return (await this.dataKeys.erased([mediaKeyId(mediaId)])).size > 0;
  }

  destroy(mediaIds: string[]): Promise<void> {
    return this.dataKeys.destroy(mediaIds.map(mediaKeyId));
  }
}
