// One delivery: its status, idempotency key and every attempt (time, duration, HTTP status or error, what was sent
// and the response), with what may be done now: try a waiting one now, replay a dead one (after its preview),
// send a delivered one again. A refusal of the API is said at the button.
import { useCallback, useEffect, useState } from 'react';
import { useIntl } from 'react-intl';
import { api } from '../../api.ts';
import { useT } from '../../i18n/index.tsx';
import { ReplayConfirm } from './ReplayConfirm.tsx';
import { Link, segment, useFailureText, useZone, When } from './shared.tsx';
import { StatusBadge } from './words.tsx';
import type { Attempt, Delivery } from './types.ts';
import { subjectPath, firingPath } from './paths.ts';

type DeliveryWithAttempts = Omit<Delivery, 'attempts'> & { attempts: Attempt[] };
const FOLLOW_MS = 2000;

export function DeliveryDetail({ id }: { id: string }) {
  const t = useT();
  const intl = useIntl();
  const zone = useZone();
  const failureText = useFailureText();
  const [delivery, setDelivery] = useState<DeliveryWithAttempts>();
  const [error, setError] = useState<string>();
  const [version, setVersion] = useState(0);
  const [replaying, setReplaying] = useState(false);
  const [action, setAction] = useState<{ text: string; tone: 'ok' | 'bad' }>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const answer = await api<DeliveryWithAttempts>('GET', `/v1/deliveries/${segment(id)}`, undefined, controller.signal);
        setDelivery(answer);
        setError(undefined);
        if (answer.status === 'pending' || answer.status === 'delivering') timer = setTimeout(load, FOLLOW_MS);
      } catch (failure) {
        if ((failure as Error).name !== 'AbortError') setError(failureText(failure));
      }
    };
    void load();
    return () => { controller.abort(); clearTimeout(timer); };
  }, [id, version, failureText]);

  const post = useCallback(async (what: 'retry' | 'resend') => {
    setBusy(true);
    setAction(undefined);
    try {
      await api('POST', `/v1/deliveries/${segment(id)}/${what}`);
      setAction({ text: t(what === 'retry' ? 'runs.delivery.retried' : 'runs.delivery.resent'), tone: 'ok' });
      setVersion((v) => v + 1);
    } catch (failure) {
      setAction({ text: failureText(failure), tone: 'bad' });
    } finally {
      setBusy(false);
    }
  }, [id, t, failureText]);

  return (
    <section className="page" aria-labelledby="page-title">
      <p className="runs-back"><Link to="/runs/deliveries">{t('runs.back.deliveries')}</Link> · <Link to="/runs/dead">{t('runs.back.dead')}</Link></p>
      <h1 id="page-title">{delivery ? t('runs.delivery.title', { kind: delivery.kind, destination: delivery.destination }) : t('runs.delivery.titleLoading')}</h1>
      {error && <p className="error" role="alert">{error}</p>}
      {!delivery ? (!error && <div className="skeleton block runs-skeleton" aria-busy="true" aria-label={t('common.loading')} />) : (
        <>
          <dl className="runs-facts" data-testid="delivery-facts">
            <div><dt>{t('runs.col.status')}</dt><dd data-testid="delivery-status"><StatusBadge status={delivery.status} /></dd></div>
            <div><dt>{t('runs.delivery.key')}</dt><dd><code className="runs-id">{delivery.id}</code></dd></div>
            <div><dt>{t('runs.col.rule')}</dt><dd><Link to={`/rules/${segment(delivery.rule)}`}>{delivery.rule}</Link></dd></div>
            <div><dt>{t('runs.col.subject')}</dt><dd><Link to={subjectPath(delivery.subject)}>{delivery.subject}</Link></dd></div>
            <div><dt>{t('runs.delivery.firing')}</dt><dd><Link to={firingPath(delivery.firingId)}>{t('runs.delivery.openFiring')}</Link></dd></div>
            <div><dt>{t('runs.col.created')}</dt><dd><When time={delivery.createdAt} /></dd></div>
            {delivery.nextAttemptAt && <div><dt>{t('runs.delivery.next')}</dt><dd><When time={delivery.nextAttemptAt} /></dd></div>}
            {delivery.deliveredAt && <div><dt>{t('runs.delivery.deliveredAt')}</dt><dd><When time={delivery.deliveredAt} /></dd></div>}
          </dl>
          <p className="muted small">{t('runs.delivery.keyHelp')}</p>
          {delivery.status === 'dead' && delivery.lastError && <p className="error">{t('runs.delivery.deadBecause', { error: delivery.lastError })}</p>}
          <div className="runs-actions">
            {delivery.status === 'pending' && <button type="button" className="button" disabled={busy} onClick={() => void post('retry')}>{t('runs.delivery.retry')}</button>}
            {delivery.status === 'dead' && <button type="button" className="button primary" disabled={replaying} onClick={() => { setAction(undefined); setReplaying(true); }}>{t('runs.delivery.replay')}</button>}
            {delivery.status === 'delivered' && <button type="button" className="button" disabled={busy} onClick={() => void post('resend')}>{t('runs.delivery.resend')}</button>}
            {action && <p className={action.tone === 'ok' ? 'ok' : 'error'} role={action.tone === 'ok' ? 'status' : 'alert'} data-testid="delivery-action">{action.text}</p>}
          </div>
          {replaying && (
            <ReplayConfirm target={{ ids: [delivery.id] }} onCancel={() => setReplaying(false)}
              onDone={(n) => { setReplaying(false); setAction({ text: t('runs.replay.done', { count: n }), tone: 'ok' }); setVersion((v) => v + 1); }} />
          )}
          <h2>{t('runs.delivery.attempts', { count: delivery.attempts.length })}</h2>
          {delivery.attempts.length === 0 ? <p className="muted">{t('runs.delivery.noAttempts')}</p> : (
            <div className="table-wrap runs-wrap">
              <table className="table" data-testid="attempts">
                <thead><tr>
                  <th scope="col">#</th><th scope="col">{t('runs.col.started')} <span className="muted small">({zone})</span></th><th scope="col">{t('runs.col.duration')}</th>
                  <th scope="col">{t('runs.col.result')}</th><th scope="col">{t('runs.col.response')}</th>
                </tr></thead>
                <tbody>
                  {delivery.attempts.map((a) => (
                    <tr key={a.attempt}>
                      <td>{a.attempt}</td>
                      <td className="nowrap"><When time={a.startedAt} /></td>
                      <td className="nowrap">{t('common.milliseconds', { value: a.latencyMs })}</td>
                      <td className="runs-break">{a.statusCode !== null ? <span className={a.statusCode < 300 ? 'ok' : 'bad'}>{t('runs.attempt.http', { status: a.statusCode })}</span> : null}
                        {a.error ? <span className="bad"> {a.error}</span> : null}</td>
                      <td className="runs-break">
                        {a.response ? <details><summary>{t('runs.attempt.response')}</summary><pre>{a.response}</pre></details> : <span className="muted">{t('runs.attempt.noResponse')}</span>}
                        {a.request && (
                          <details><summary>{t('runs.attempt.request')}</summary>
                            <pre>{`${a.request.method} ${a.request.url}\n${Object.entries(a.request.headers).map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${a.request.body ?? ''}${a.request.bodyTruncated ? '\n…' : ''}`}</pre>
                          </details>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {delivery.status === 'pending' && delivery.nextAttemptAt && (
            <p className="muted" role="status">{t('runs.delivery.nextRetry', { time: intl.formatTime(delivery.nextAttemptAt, { timeStyle: 'medium' }) })}</p>
          )}
        </>
      )}
    </section>
  );
}
