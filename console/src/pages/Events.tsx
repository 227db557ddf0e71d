// Events: a live tail with filters (type, subject, property), the catalogue of event types inferred from what
// arrived, and a form to send a test event. The tail renders at most four times a second and keeps the newest rows
// only, saying how many it received, so a thousand events a second never freeze the page.
import { memo, useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { useIntl } from 'react-intl';
import { useT } from '../i18n/index.tsx';
import { api, ApiFailure } from '../api.ts';
import { followTail } from '../tail.ts';
import { WithCode } from '../components/WithCode.tsx';
import type { EventTypes, StoredEvent } from '../types.ts';

const MAX_ROWS = 200;
const FLUSH_MS = 250;
const BUSY_FLUSH_MS = 1000;

interface Filters { type: string; subject: string; property: string }

function queryOf(filters: Filters): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v.trim()) params.set(k, v.trim());
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** A row's properties: one line, and the indented JSON only once opened (most rows are never opened). */
function Properties({ properties }: { properties: Record<string, unknown> }) {
  const [open, setOpen] = useState(false);
  return (
    <details onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary><code>{JSON.stringify(properties).slice(0, 80)}</code></summary>
      {open && <pre>{JSON.stringify(properties, null, 2)}</pre>}
    </details>
  );
}

/** One row of the tail; memoised, so a flush renders only the rows that are new. */
const TailRow = memo(function TailRow({ event: e, time }: { event: StoredEvent; time: Intl.DateTimeFormat }) {
  return (
    <tr>
      <td className="nowrap">{time.format(new Date(e.receivedAt))}</td>
      <td>{e.type}</td>
      <td>{e.subject}</td>
      <td><Properties properties={e.properties} /></td>
    </tr>
  );
});

function LiveTail() {
  const t = useT();
  const intl = useIntl();
  const [filters, setFilters] = useState<Filters>({ type: '', subject: '', property: '' });
  const [rows, setRows] = useState<StoredEvent[]>([]);
  const [status, setStatus] = useState<'connecting' | 'live' | 'reconnecting'>('connecting');
  const [error, setError] = useState<string>();
  const [paused, setPaused] = useState(false);
  const [skipped, setSkipped] = useState(0);
  const [received, setReceived] = useState(0);
  const pending = useRef<StoredEvent[]>([]);
  const counts = useRef({ received: 0, skipped: 0 });
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  useEffect(() => {
    const controller = new AbortController();
    let retry: ReturnType<typeof setTimeout> | undefined;
    setRows([]);
    pending.current = [];
    counts.current = { received: 0, skipped: 0 };
    const connect = () => {
      void followTail(queryOf(filters), {
        onOpen: () => { setStatus('live'); setError(undefined); },
        onEvents: (events) => {
          counts.current.received += events.length;
          // Bounded while paused or busy: the newest MAX_ROWS wait, older ones are counted as received only.
          pending.current = [...events.reverse(), ...pending.current].slice(0, MAX_ROWS);
        },
        onSkipped: (count) => { counts.current.skipped += count; },
        onError: (failure) => {
          setStatus('reconnecting');
          setError((failure as Error).message);
          retry = setTimeout(connect, 2000);
        },
      }, controller.signal);
    };
    connect();
    // A flush that replaces the whole table (hundreds of events a second) is followed by a longer pause, so a fast
    // stream is shown as a sample once a second instead of re-rendering every row four times a second.
    let quietUntil = 0;
    const flush = setInterval(() => {
      setReceived(counts.current.received);
      setSkipped(counts.current.skipped);
      if (pausedRef.current || pending.current.length === 0 || performance.now() < quietUntil) return;
      const fresh = pending.current;
      pending.current = [];
      if (fresh.length >= MAX_ROWS / 2) quietUntil = performance.now() + BUSY_FLUSH_MS;
      setRows((old) => [...fresh, ...old].slice(0, MAX_ROWS));
    }, FLUSH_MS);
    return () => { controller.abort(); clearTimeout(retry); clearInterval(flush); };
  }, [filters]);

  const apply = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setStatus('connecting');
    setFilters({ type: String(form.get('type') ?? ''), subject: String(form.get('subject') ?? ''), property: String(form.get('property') ?? '') });
  };

  const shown = rows.length;
  // One formatter for all rows (building one per row costs more than the row).
  const timeFormat = useMemo(() => new Intl.DateTimeFormat(intl.locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' }), [intl.locale]);
  // Times are the viewer's own; the zone is named once, in the column head.
  const zone = new Intl.DateTimeFormat(intl.locale, { timeZoneName: 'short' }).formatToParts(Date.now()).find((p) => p.type === 'timeZoneName')?.value;
  return (
    <section aria-labelledby="tail-title">
      <h2 id="tail-title">{t('events.tail')}</h2>
      <form className="filters" onSubmit={apply} data-testid="tail-filters">
        <label className="field"><span>{t('events.filter.type')}</span><input name="type" defaultValue={filters.type} /></label>
        <label className="field"><span>{t('events.filter.subject')}</span><input name="subject" defaultValue={filters.subject} /></label>
        <label className="field"><span>{t('events.filter.property')}</span><input name="property" defaultValue={filters.property} placeholder={t('events.filter.propertyHint')} /></label>
        <button className="button" type="submit">{t('events.filter.apply')}</button>
        <button className="button subtle" type="button" onClick={() => setPaused(!paused)} aria-pressed={paused}>{t(paused ? 'events.resume' : 'events.pause')}</button>
      </form>
      <p className="muted" role="status" data-testid="tail-status">
        {paused ? t('events.status.paused', { count: pending.current.length }) : t(status === 'live' ? 'events.status.live' : status === 'connecting' ? 'events.status.connecting' : 'events.status.reconnecting')}
        {error && status !== 'live' ? ` (${error})` : ''}
      </p>
      {skipped > 0 && <p className="warning" role="status">{t('events.skipped', { count: skipped })}</p>}
      {received > shown && <p className="muted small">{t('events.sampled', { shown, total: received })}</p>}
      <div className="table-wrap">
        <table className="table tail" data-testid="tail">
          <thead><tr><th scope="col">{t('events.col.time')} <span className="muted small">({zone})</span></th><th scope="col">{t('events.col.type')}</th><th scope="col">{t('events.col.subject')}</th><th scope="col">{t('events.col.properties')}</th></tr></thead>
          <tbody>
            {rows.length === 0 && <tr><td colSpan={4} className="muted"><WithCode text={t('events.empty')} /></td></tr>}
            {rows.map((e) => <TailRow key={e.id} event={e} time={timeFormat} />)}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Catalogue({ version }: { version: number }) {
  const t = useT();
  const intl = useIntl();
  const [data, setData] = useState<EventTypes>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    const controller = new AbortController();
    const load = () => api<EventTypes>('GET', '/v1/event-types', undefined, controller.signal)
      .then((answer) => { setData(answer); setError(undefined); })
      .catch((failure: Error) => { if (failure.name !== 'AbortError') setError(t('common.error', { message: failure.message })); });
    void load();
    const timer = setInterval(load, 15_000);
    return () => { controller.abort(); clearInterval(timer); };
  }, [version, t]);
  return (
    <section aria-labelledby="catalogue-title">
      <h2 id="catalogue-title">{t('events.catalogue')}</h2>
      {error && <p className="error" role="alert">{error}</p>}
      {!data ? <div className="skeleton block" /> : data.items.length === 0 ? <p className="muted">{t('events.catalogue.empty')}</p> : (
        <>
          <p className="muted small">{t('events.catalogue.sampled', { count: data.sampled })}</p>
          <div className="catalogue" data-testid="catalogue">
            {data.items.map((type) => (
              <details key={type.type}>
                <summary><strong>{type.type}</strong> <span className="muted">{t('events.catalogue.count', { count: type.count })} · {t('events.catalogue.lastSeen', { time: intl.formatDate(type.lastSeen, { dateStyle: 'short', timeStyle: 'short' }) })}</span></summary>
                <table className="table">
                  <thead><tr><th scope="col">{t('events.catalogue.property')}</th><th scope="col">{t('events.catalogue.types')}</th><th scope="col">{t('events.catalogue.example')}</th></tr></thead>
                  <tbody>
                    {type.properties.map((p) => (
                      <tr key={p.path}><td><code>{p.path}</code></td><td>{p.types.join(', ')}</td><td><code>{typeof p.example === 'number' ? intl.formatNumber(p.example) : JSON.stringify(p.example)}</code></td></tr>
                    ))}
                  </tbody>
                </table>
              </details>
            ))}
          </div>
        </>
      )}
    </section>
  );
}

function SendTestEvent({ onSent }: { onSent(): void }) {
  const t = useT();
  const [message, setMessage] = useState<{ text: string; tone: 'ok' | 'bad' }>();
  const submit = useCallback(async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const type = String(form.get('type') ?? '').trim();
    const subject = String(form.get('subject') ?? '').trim();
    if (!type || !subject) { setMessage({ text: t('events.send.required'), tone: 'bad' }); return; }
    let properties: unknown;
    try {
      properties = JSON.parse(String(form.get('properties') ?? '{}') || '{}');
      if (properties === null || typeof properties !== 'object' || Array.isArray(properties)) throw new Error('not an object');
    } catch (failure) {
      setMessage({ text: t('events.send.badJson', { message: (failure as Error).message }), tone: 'bad' });
      return;
    }
    try {
      const answer = await api<{ results: Array<{ status: string; error?: { path: string; message: string } }> }>('POST', '/v1/events', { type, subject, properties });
      const result = answer.results[0];
      setMessage({ text: t('events.send.sent', { status: result.error ? `${result.status}: ${result.error.path} ${result.error.message}` : result.status }), tone: result.status === 'rejected' ? 'bad' : 'ok' });
      onSent();
    } catch (failure) {
      setMessage({ text: failure instanceof ApiFailure && failure.status === 0 ? t('signin.unreachable').replaceAll('`', '') : t('common.error', { message: (failure as Error).message }), tone: 'bad' });
    }
  }, [t, onSent]);
  return (
    <section aria-labelledby="send-title">
      <h2 id="send-title">{t('events.send')}</h2>
      <form className="send" onSubmit={submit} data-testid="send-form">
        <label className="field"><span>{t('events.send.type')}</span><input name="type" defaultValue="test_event" /></label>
        <label className="field"><span>{t('events.send.subject')}</span><input name="subject" defaultValue="console-test" /></label>
        <label className="field wide"><span>{t('events.send.properties')}</span><textarea name="properties" rows={4} defaultValue={'{"plan": "pro", "total": 42}'} spellCheck={false} /></label>
        <button className="button primary" type="submit">{t('events.send.submit')}</button>
        {message && <p className={message.tone === 'ok' ? 'ok' : 'error'} role="status" data-testid="send-result">{message.text}</p>}
      </form>
    </section>
  );
}

export function EventsPage() {
  const t = useT();
  const [version, setVersion] = useState(0);
  const sent = useCallback(() => setVersion((v) => v + 1), []);
  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">{t('events.title')}</h1>
      <LiveTail />
      <SendTestEvent onSent={sent} />
      <Catalogue version={version} />
    </section>
  );
}
