// Small pieces shared by the runs and subject pages: times in the viewer's zone, links inside the console,
// error words from an API failure, and a page of history that grows older on request and refreshes its newest rows.
import { useCallback, useEffect, useRef, useState, type MouseEvent, type ReactNode } from 'react';
import { useIntl } from 'react-intl';
import { api, ApiFailure } from '../../api.ts';
import { navigate } from '../../router.ts';
import { useT } from '../../i18n/index.tsx';
import type { HistoryPage } from './types.ts';

export const REFRESH_MS = 5000;

/** The viewer's time zone, short ("KST"), to name once in a column head. */
export function useZone(): string {
  const intl = useIntl();
  return new Intl.DateTimeFormat(intl.locale, { timeZoneName: 'short' }).formatToParts(Date.now()).find((p) => p.type === 'timeZoneName')?.value ?? '';
}

export function When({ time }: { time: string | null | undefined }) {
  const intl = useIntl();
  if (!time) return <>—</>;
  return <time dateTime={time}>{intl.formatDate(time, { dateStyle: 'short', timeStyle: 'medium' })}</time>;
}

/** A link that moves inside the console without a reload (and still opens in a new tab with a modifier). */
export function Link({ to, children, className, current }: { to: string; children: ReactNode; className?: string; current?: boolean }) {
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={follow} className={className} aria-current={current ? 'page' : undefined}>{children}</a>;
}

export const segment = (value: string) => encodeURIComponent(value);

/** The words for a failure: the server's message as it wrote it, or what to do when it did not answer. */
export function useFailureText() {
  const t = useT();
  return useCallback((failure: unknown) => {
    if (failure instanceof ApiFailure && failure.status === 0) return t('signin.unreachable').replaceAll('`', '');
    if (failure instanceof ApiFailure && failure.status === 403) return t('runs.forbidden', { message: failure.message });
    return t('common.error', { message: (failure as Error).message });
  }, [t]);
}

export interface Paged<T> {
  items: T[] | undefined;
  next: string | undefined;
  oldestStored: string | null | undefined;
  error: string | undefined;
  loadingOlder: boolean;
  updatedAt: number | undefined;
  older(): void;
  reload(): void;
}

/**
 * A history list: the newest page, refreshed every few seconds while `live` (new rows on top, the rows of older
 * pages kept), and older pages appended on request. `path` already holds the filters (`/v1/firings?rule=x`).
 */
export function usePaged<T extends { id: string }>(path: string, live: boolean): Paged<T> {
  const failureText = useFailureText();
  const [items, setItems] = useState<T[]>();
  const [next, setNext] = useState<string>();
  const [oldestStored, setOldest] = useState<string | null>();
  const [error, setError] = useState<string>();
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [updatedAt, setUpdatedAt] = useState<number>();
  const [version, setVersion] = useState(0);
  const olderLoaded = useRef(false);
  const join = path.includes('?') ? '&' : '?';

  useEffect(() => {
    setItems(undefined);
    setNext(undefined);
    olderLoaded.current = false;
  }, [path]);

  useEffect(() => {
    const controller = new AbortController();
    const load = async () => {
      try {
        const page = await api<HistoryPage<T>>('GET', path, undefined, controller.signal);
        setItems((old) => {
          if (!old || !olderLoaded.current) return page.items;
          const fresh = new Set(page.items.map((i) => i.id));
          return [...page.items, ...old.filter((i) => !fresh.has(i.id))];
        });
        if (!olderLoaded.current) setNext(page.next);
        setOldest(page.oldestStored);
        setError(undefined);
        setUpdatedAt(Date.now());
      } catch (failure) {
        if ((failure as Error).name !== 'AbortError') setError(failureText(failure));
      }
    };
    void load();
    const timer = live ? setInterval(load, REFRESH_MS) : undefined;
    return () => { controller.abort(); clearInterval(timer); };
  }, [path, live, version, failureText]);

  const older = useCallback(() => {
    if (!next) return;
    setLoadingOlder(true);
    api<HistoryPage<T>>('GET', `${path}${join}cursor=${segment(next)}`)
      .then((page) => {
        olderLoaded.current = true;
        setItems((old) => {
          const seen = new Set((old ?? []).map((i) => i.id));
          return [...(old ?? []), ...page.items.filter((i) => !seen.has(i.id))];
        });
        setNext(page.next);
      })
      .catch((failure: unknown) => setError(failureText(failure)))
      .finally(() => setLoadingOlder(false));
  }, [next, path, join, failureText]);

  // A reload starts again from the newest page: rows that moved out (a replayed dead letter) leave the list.
  const reload = useCallback(() => { olderLoaded.current = false; setVersion((v) => v + 1); }, []);
  return { items, next, oldestStored, error, loadingOlder, updatedAt, older, reload };
}

/** Reads and writes the page's filters in the address (`?rule=x&subject=y`), so a filtered list can be linked to. */
export function useSearchParams(): [URLSearchParams, (values: Record<string, string>) => void] {
  const [search, setSearch] = useState(location.search);
  useEffect(() => {
    const update = () => setSearch(location.search);
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);
  const set = useCallback((values: Record<string, string>) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(values)) if (v.trim()) params.set(k, v.trim());
    const text = params.toString();
    history.replaceState(null, '', `${location.pathname}${text ? `?${text}` : ''}`);
    setSearch(location.search);
  }, []);
  return [new URLSearchParams(search), set];
}

/** The footer of a list: older rows on request, or where the stored history ends. */
export function MoreRows({ paged, count }: { paged: Paged<{ id: string }>; count: number }) {
  const t = useT();
  const intl = useIntl();
  return (
    <div className="runs-more">
      <span className="muted small" role="status">{t('runs.shown', { count })}</span>
      {paged.next
        ? <button type="button" className="button" onClick={paged.older} disabled={paged.loadingOlder}>{t(paged.loadingOlder ? 'common.loading' : 'runs.older')}</button>
        : paged.oldestStored && count > 0 ? <span className="muted small">{t('runs.end', { time: intl.formatDate(paged.oldestStored, { dateStyle: 'medium', timeStyle: 'short' }) })}</span> : null}
    </div>
  );
}
