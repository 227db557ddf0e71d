// A confirmation for a destructive action: a modal <dialog> (focus moves into it, Escape cancels, the page behind
// is inert), with what will happen in words and the action's own name on the button, never a bare "OK".
import { useEffect, useRef, type ReactNode } from 'react';
import { useT } from '../../i18n/index.tsx';

export function ConfirmDialog({ title, children, confirm, onConfirm, onCancel, busy }: {
  title: string; children: ReactNode; confirm: string; onConfirm: () => void; onCancel: () => void; busy?: boolean;
}) {
  const t = useT();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => { if (dialog?.open) dialog.close(); };
  }, []);
  return (
    <dialog ref={ref} className="confirm" aria-labelledby="confirm-title" onCancel={(e) => { e.preventDefault(); onCancel(); }}>
      <h2 id="confirm-title">{title}</h2>
      <div className="confirm-body">{children}</div>
      <div className="confirm-actions">
        <button type="button" className="button" onClick={onCancel} autoFocus>{t('users.cancel')}</button>
        <button type="button" className="button danger" onClick={onConfirm} disabled={busy}>{confirm}</button>
      </div>
    </dialog>
  );
}
