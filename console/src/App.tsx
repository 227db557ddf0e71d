// The shell: a skip link, the header (product, health, language, who is signed in), the page navigation, and the page.
import { lazy, Suspense, useEffect, useRef, useState, type MouseEvent } from 'react';
import { LOCALES, useLocale, useT, type Locale } from './i18n/index.tsx';
import type { MessageKey } from './i18n/en.ts';
import { useSession } from './session.tsx';
import { navigate, pageOf, PAGES, usePath, type Page } from './router.ts';
import { SignIn } from './pages/SignIn.tsx';
import { OverviewPage } from './pages/Overview.tsx';
import { EventsPage } from './pages/Events.tsx';

// Every page but the first two loads on demand, so the first load stays small (the editor alone brings YAML and diff).
const RulesList = lazy(() => import('./pages/rules/RulesList.tsx').then((m) => ({ default: m.RulesList })));
const RuleEditor = lazy(() => import('./pages/editor/RuleEditor.tsx').then((m) => ({ default: m.RuleEditor })));
const Runs = lazy(() => import('./pages/runs/Runs.tsx').then((m) => ({ default: m.Runs })));
const Subject = lazy(() => import('./pages/subject/Subject.tsx').then((m) => ({ default: m.Subject })));
const Report = lazy(() => import('./pages/report/Report.tsx').then((m) => ({ default: m.Report })));
const Users = lazy(() => import('./pages/users/Users.tsx').then((m) => ({ default: m.Users })));

/** The page for a path: /rules is the list, /rules/new and /rules/{id} the editor; each page reads the rest of its path. */
function PageFor({ page, path }: { page: Page; path: string }) {
  switch (page) {
    case 'overview': return <OverviewPage />;
    case 'events': return <EventsPage />;
    case 'rules': return path === '/rules' || path === '/rules/' ? <RulesList /> : <RuleEditor />;
    case 'runs': return <Runs />;
    case 'subject': return <Subject />;
    case 'report': return <Report />;
    case 'users': return <Users />;
  }
}

const NAV_LABEL: Record<Page, MessageKey> = {
  overview: 'nav.overview', events: 'nav.events', rules: 'nav.rules', runs: 'nav.runs', subject: 'nav.subject', report: 'nav.report', users: 'nav.users',
};

function HealthDot() {
  const t = useT();
  const [ready, setReady] = useState<boolean | undefined>(undefined);
  useEffect(() => {
    let stopped = false;
    const check = async () => {
      try {
        const response = await fetch('/readyz', { signal: AbortSignal.timeout(4000) });
        if (!stopped) setReady(response.ok);
      } catch { if (!stopped) setReady(false); }
    };
    void check();
    const timer = setInterval(check, 5000);
    return () => { stopped = true; clearInterval(timer); };
  }, []);
  const label = t(ready === undefined ? 'header.health.unknown' : ready ? 'header.health.ok' : 'header.health.bad');
  return <span className="health" role="status" data-state={ready === undefined ? 'unknown' : ready ? 'ok' : 'bad'}><span className="dot" aria-hidden="true" />{label}</span>;
}

function LanguageSwitch() {
  const t = useT();
  const { locale, setLocale } = useLocale();
  return (
    <label className="language">
      <span className="visually-hidden">{t('header.language')}</span>
      <select value={locale} onChange={(e) => setLocale(e.target.value as Locale)} aria-label={t('header.language')} data-testid="language">
        {LOCALES.map((l) => <option key={l} value={l} lang={l}>{l === 'ko' ? '한국어' : 'English'}</option>)}
      </select>
    </label>
  );
}

export function App() {
  const t = useT();
  const { state, signOut } = useSession();
  const path = usePath();
  const page = pageOf(path);
  const main = useRef<HTMLElement>(null);

  // After a page change (not the first load, where the skip link comes first) the focus moves to the page, so
  // keyboard and screen-reader users start there.
  const firstPage = useRef(page);
  useEffect(() => {
    if (firstPage.current === page) return;
    firstPage.current = '' as Page;
    main.current?.focus({ preventScroll: true });
  }, [page]);

  const follow = (to: string) => (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(to);
  };

  return (
    <>
      <a className="skip" href="#main">{t('app.skip')}</a>
      <header className="header">
        <a className="brand" href="/" onClick={follow('/')}>{t('app.name')}</a>
        <HealthDot />
        <div className="header-end">
          <LanguageSwitch />
          {state.status === 'signed-in' && (
            <>
              <span className="who" data-testid="who">{t('header.signedInAs', { name: state.session.kind === 'user' ? state.session.user.username : t('header.tokenUser') })}</span>
              <button type="button" className="button subtle" onClick={() => void signOut()}>{t('header.signOut')}</button>
            </>
          )}
        </div>
      </header>
      {state.status === 'signed-in' && (
        <nav className="nav" aria-label={t('nav.label')}>
          <ul>
            {PAGES.map((p) => (
              <li key={p.page}><a href={p.path} onClick={follow(p.path)} aria-current={p.page === page ? 'page' : undefined}>{t(NAV_LABEL[p.page])}</a></li>
            ))}
          </ul>
        </nav>
      )}
      <main id="main" ref={main} tabIndex={-1} className="main">
        {state.status === 'checking' && <div className="skeleton block" aria-busy="true" aria-label={t('common.loading')} />}
        {state.status === 'signed-out' && <SignIn />}
        {state.status === 'signed-in' && (
          <Suspense fallback={<div className="skeleton block" aria-busy="true" aria-label={t('common.loading')} />}>
            <PageFor page={page} path={path} />
          </Suspense>
        )}
      </main>
    </>
  );
}
