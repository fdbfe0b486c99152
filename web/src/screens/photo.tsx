import { useEffect, useState } from 'react';
import type { MediaVariant } from '../../../libs/client/src/index.js';
import type { ChatStore } from '../store.js';

/**
 * A photo of a message. Media is fetched with the device's token (an <img> cannot send one), so
 * the bytes come through the client library and show from an object URL, released on unmount.
 * The medium thumbnail shows in the chat; a click loads the photo itself.
 */
export function Photo({ store, mediaId, label }: { store: ChatStore; mediaId: string; label: string }) {
  const [variant, setVariant] = useState<MediaVariant>('medium');
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let live = true;
    let objectUrl: string | null = null;
    store.api.mediaBytes(mediaId, variant).then(
      (blob) => {
        if (!live) return;
        objectUrl = URL.createObjectURL(blob);
        setUrl(objectUrl);
      },
      () => live && setFailed(true),
    );
    return () => {
      live = false;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [store, mediaId, variant]);

  if (failed) return <p className="photo-missing">{label} unavailable</p>;
  if (!url) return <div className="photo loading" role="img" aria-label={`${label}, loading`} />;
  return (
    <button type="button" className="photo-button" aria-label={variant === 'medium' ? `${label}: show full size` : label} onClick={() => setVariant('content')}>
      <img className="photo" src={url} alt={label} />
    </button>
  );
}
