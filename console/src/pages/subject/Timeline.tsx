// A subject's timeline: its events and the firings they caused, newest first, one page at a time; each event opens
// to its properties, each firing links to its trace on the runs page.
import { useCallback, useEffect, useState } from 'react';
import { api } from '../../api.ts';
import { useT } from '../../i18n/index.tsx';
import { Link, segment, useFailureText, useZone, When } from '../runs/shared.tsx';
import { GroupBadge } from '../runs/words.tsx';
import type { Firing } from '../runs/types.ts';
import { firingPath } from '../runs/paths.ts';

interface TimelineEvent { id: string; type: string; time: string; receivedAt: string; properties: Record<string, unknown>; causationId?: string }
type Item = { kind: 'event'; time: string; event: TimelineEvent } | { kind: 'firing'; time: string; firing: Firing };
interface TimelinePage { items: Item[]; next?: string }

const keyOf = (item: Item) => (item.kind === 'event' ? `e:${item.event.id}` : `f:${item.firing.id}`);

export function Timeline({ subject }: { subject: string }) {
  const t = useT();
  const zone = useZone();
  const failureText = useFailureText();
  const [items, setItems] = useState<Item[]>();
  const [next, setNext] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [version, setVersion] = useState(0);
  const base = `/v1/subjects/${segment(subject)}/timeline?limit=50`;

  useEffect(() => {
    const controller = new AbortController();
    api<TimelinePage>('GET', base, undefined, controller.signal)
      .then((page) => { setItems(page.items); setNext(page.next); setError(undefined); })
      .catch((failure: unknown) => { if ((failure as Error).name !== 'AbortError') setError(failureText(failure)); });
    return () => controller.abort();
  }, [base, version, failureText]);

  const older = useCallback(() => {
    if (!next) return;
    setBusy(true);
    api<TimelinePage>('GET', `${base}&cursor=${segment(next)}`)
      .then((page) => {
        setItems((old) => { const seen = new Set((old ?? []).map(keyOf)); return [...(old ?? []), ...page.items.filter((i) => !seen.has(keyOf(i)))]; });
        setNext(page.next);
      })
      .catch((failure: unknown) => setError(failureText(failure)))
      .finally(() => setBusy(false));
  }, [base, next, failureText]);

  return (
    <section aria-labelledby="timeline-title">
      <div className="page-head">
        <h2 id="timeline-title">{t('subject.timeline')}</h2>
        <button type="button" className="button subtle" onClick={() => setVersion((v) => v + 1)}>{t('subject.refresh')}</button>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {!items ? (!error && <div className="skeleton block runs-skeleton" aria-busy="true" aria-label={t('common.loading')} />) : items.length === 0 ? (
        <p className="empty" data-testid="timeline-empty">{t('subject.timelineNone')}</p>
      ) : (
        <>
          <p className="muted small">{t('subject.timeZone', { zone })}</p>
          <ol className="subject-timeline" data-testid="timeline">
            {items.map((item) => (
              <li key={keyOf(item)} data-kind={item.kind}>
                <span className="subject-when"><When time={item.time} /></span>
                {item.kind === 'event' ? (
                  <details>
                    <summary>{t('subject.event', { type: item.event.type })}</summary>
                    <dl className="subject-event">
                      <div><dt>{t('subject.eventId')}</dt><dd><code className="runs-id">{item.event.id}</code></dd></div>
                      <div><dt>{t('subject.eventTime')}</dt><dd><When time={item.event.time} /></dd></div>
                      {item.event.causationId && <div><dt>{t('subject.causedBy')}</dt><dd><code className="runs-id">{item.event.causationId}</code></dd></div>}
                    </dl>
                    <pre>{JSON.stringify(item.event.properties, null, 2)}</pre>
                  </details>
                ) : (
                  <span>
                    {t('subject.fired', { rule: item.firing.rule, version: item.firing.version })} <GroupBadge group={item.firing.group} />{' '}
                    <Link to={firingPath(item.firing.id)}>{t('subject.openFiring')}<span className="visually-hidden"> {item.firing.rule}</span></Link>
                  </span>
                )}
              </li>
            ))}
          </ol>
          <div className="runs-more">
            {next ? <button type="button" className="button" onClick={older} disabled={busy}>{t(busy ? 'common.loading' : 'subject.older')}</button> : <span className="muted small">{t('subject.timelineEnd')}</span>}
          </div>
        </>
      )}
    </section>
  );
}
