// Subject: find a subject by id; its profile, its timeline of events and firings (newest first, paged, each event
// opening to its properties), and "why not?" for a rule over its recent events. Paths: /subjects, /subjects/{id}
// (?rule=… opens "why not?" for that rule, as the runs page links to it).
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
import { navigate, usePath } from '../../router.ts';
import { useT } from '../../i18n/index.tsx';
import { Link } from '../runs/shared.tsx';
import { Profile } from './Profile.tsx';
import { Timeline } from './Timeline.tsx';
import { WhyNot } from './WhyNot.tsx';
import '../runs/runs.css';
import './subject.css';
import { subjectPath } from '../runs/paths.ts';

function FindSubject({ current }: { current?: string }) {
  const t = useT();
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const id = String(new FormData(event.currentTarget).get('subject') ?? '').trim();
    if (id) navigate(subjectPath(id));
  };
  return (
    <form className="filters" onSubmit={submit} role="search" aria-label={t('subject.find')}>
      <label className="field"><span>{t('subject.id')}</span><input name="subject" key={current} defaultValue={current ?? ''} required autoComplete="off" /></label>
      <button type="submit" className="button primary">{t('subject.open')}</button>
    </form>
  );
}

/** Subjects seen in the newest events, to open one without knowing an id by heart. */
function RecentSubjects() {
  const t = useT();
  const [subjects, setSubjects] = useState<string[]>();
  useEffect(() => {
    const controller = new AbortController();
    api<{ items: Array<{ subject: string }> }>('GET', '/v1/events?limit=100', undefined, controller.signal)
      .then((page) => setSubjects([...new Set(page.items.map((e) => e.subject))].slice(0, 20)))
      .catch(() => setSubjects([]));
    return () => controller.abort();
  }, []);
  return (
    <section aria-labelledby="recent-title" className="subject-recent">
      <h2 id="recent-title">{t('subject.recent')}</h2>
      {!subjects ? <div className="skeleton line" aria-busy="true" aria-label={t('common.loading')} /> : subjects.length === 0 ? (
        <p className="empty">{t('subject.recentNone')}</p>
      ) : (
        <ul className="subject-chips">{subjects.map((s) => <li key={s}><Link to={subjectPath(s)}>{s}</Link></li>)}</ul>
      )}
    </section>
  );
}

export function Subject() {
  const t = useT();
  const path = usePath();
  const raw = path.split('/')[2];
  const id = raw ? decodeURIComponent(raw) : undefined;
  const rule = new URLSearchParams(location.search).get('rule') ?? undefined;
  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">{id ? t('subject.titleOf', { id }) : t('subject.title')}</h1>
      <FindSubject current={id} />
      {!id ? <RecentSubjects /> : (
        <div key={id}>
          <Profile id={id} />
          <WhyNot subject={id} initialRule={rule} />
          <Timeline subject={id} />
        </div>
      )}
    </section>
  );
}
