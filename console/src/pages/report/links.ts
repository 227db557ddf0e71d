// In-app links: a plain click moves within the console (no reload); a click with a modifier (new tab, new window)
// is left to the browser, as for any link.
import type { MouseEvent } from 'react';
import { navigate } from '../../router.ts';

export const follow = (to: string) => (event: MouseEvent<HTMLAnchorElement>) => {
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  navigate(to);
};
