// A small history router: the console has a handful of top-level pages, so a path is a page.
import { useEffect, useState } from 'react';

export type Page = 'overview' | 'events' | 'rules' | 'runs' | 'subject' | 'report' | 'users';
export const PAGES: ReadonlyArray<{ page: Page; path: string }> = [
  { page: 'overview', path: '/' }, { page: 'events', path: '/events' }, { page: 'rules', path: '/rules' }, { page: 'runs', path: '/runs' },
  { page: 'subject', path: '/subjects' }, { page: 'report', path: '/reports' }, { page: 'users', path: '/users' },
];

export function pageOf(pathname: string): Page {
  const match = PAGES.filter((p) => p.path !== '/' && (pathname === p.path || pathname.startsWith(`${p.path}/`)));
  return match[0]?.page ?? 'overview';
}

export function navigate(path: string): void {
  if (location.pathname === path) return;
  history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);
  return path;
}
