import type { ReactNode } from 'react';

/** A modal dialog; Escape or its Close button closes it. */
export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  return (
    <div className="dialog-backdrop" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-label={title}>
        <h3>{title}</h3>
        {children}
        <button className="close" onClick={onClose} autoFocus>
          Close
        </button>
      </div>
    </div>
  );
}

/** A panel beside the chat (group info, contact info) with its title and a close button. */
export function SidePanel({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  return (
    <aside className="side-panel" aria-label={title}>
      <header>
        <h3>{title}</h3>
        <button onClick={onClose} aria-label={`Close ${title.toLowerCase()}`}>
          ×
        </button>
      </header>
      {children}
    </aside>
  );
}
