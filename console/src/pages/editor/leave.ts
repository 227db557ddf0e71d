// Unsaved changes: the browser asks before the tab closes or reloads, and the page asks before a link leaves it.
import { useEffect } from 'react';

export function useLeaveWarning(dirty: boolean, question: string): void {
  useEffect(() => {
    if (!dirty) return;
    const unload = (event: BeforeUnloadEvent) => { event.preventDefault(); };
    // Links of the console navigate without a page load, so the question is asked on the click (capture phase:
    // before the link's own handler navigates).
    const click = (event: MouseEvent) => {
      const link = (event.target as Element | null)?.closest?.('a[href]');
      if (!link || link.getAttribute('href')?.startsWith('#') || (link as HTMLAnchorElement).target) return;
      if (!window.confirm(question)) { event.preventDefault(); event.stopPropagation(); }
    };
    window.addEventListener('beforeunload', unload);
    document.addEventListener('click', click, true);
    return () => { window.removeEventListener('beforeunload', unload); document.removeEventListener('click', click, true); };
  }, [dirty, question]);
}
