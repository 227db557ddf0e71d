// A modal confirmation on the browser's own <dialog> (focus kept inside, Escape closes, focus returns after).
import { useEffect, useRef, type ReactNode } from 'react';

export function Dialog({ open, title, onClose, children, testId }: { open: boolean; title: string; onClose(): void; children: ReactNode; testId?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby={`${testId ?? 'dialog'}-title`} onClose={onClose} data-testid={testId}>
      {open && (
        <>
          <h2 id={`${testId ?? 'dialog'}-title`}>{title}</h2>
          {children}
        </>
      )}
    </dialog>
  );
}
