// Overview: is the pipeline healthy right now? Numbers first (rates, lag, deliveries, dead), a red panel with what
// to do when something is wrong, then charts over the last hour or day. Refreshes every 5 seconds.
import { useLayoutEffect, useMemo, useState } from 'react';
import { useIntl } from 'react-intl';
import { useT } from '../i18n/index.tsx';
import { api, ApiFailure } from '../api.ts';
import type { Overview } from '../types.ts';
import { Chart } from '../components/Chart.tsx';
import { navigate } from '../router.ts';
import { WithCode } from '../components/WithCode.tsx';

const REFRESH_MS = 5000;

function Stat({ label, value, detail, tone, testId }: { label: string; value: string; detail?: string; tone?: 'bad'; testId: string }) {
  return (
    <div className="stat" data-tone={tone}>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
      {detail && <dd className="stat-detail">{detail}</dd>}
    </div>
  );
}

export function OverviewPage() {
  const t = useT();
  const intl = useIntl();
  const [windowName, setWindow] = useState<'1h' | '24h'>('1h');
  const [data, setData] = useState<Overview>();
  const [error, setError] = useState<string>();

  // A layout effect, so the request leaves before the charts' effects build their canvases (children's effects
  // run first): the numbers arrive a chart-building earlier on the first load.
  useLayoutEffect(() => {
    const controller = new AbortController();
    const load = async () => {
      try {
        setData(await api<Overview>('GET', `/v1/overview?window=${windowName}`, undefined, controller.signal));
        setError(undefined);
      } catch (failure) {
        if ((failure as Error).name === 'AbortError') return;
        setError(failure instanceof ApiFailure && failure.status === 0 ? t('signin.unreachable').replaceAll('`', '') : t('common.error', { message: (failure as Error).message }));
      }
    };
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => { controller.abort(); clearInterval(timer); };
  }, [windowName, t]);

  const charts = useMemo(() => {
    const points = data?.points ?? [];
    return {
      times: points.map((p) => Date.parse(p.t) / 1000),
      rates: [
        { label: t('overview.series.events'), values: points.map((p) => p.eventsPerSecond), color: '#2463eb' },
        { label: t('overview.series.firings'), values: points.map((p) => p.firingsPerSecond), color: '#b45309' },
      ],
      lag: [{ label: t('overview.series.lag'), values: points.map((p) => p.lagSeconds), color: '#7c3aed' }],
      deliveries: [
        { label: t('overview.delivered'), values: points.map((p) => p.delivered), color: '#15803d' },
        { label: t('overview.retried'), values: points.map((p) => p.retried), color: '#b45309' },
        { label: t('overview.died'), values: points.map((p) => p.died), color: '#b91c1c' },
      ],
    };
  }, [data, t]);

  const now = data?.now;
  const seconds = (value: number) => t('common.seconds', { value });
  const emptyChart = t('overview.chart.empty', { step: data?.stepSeconds ?? 10 });

  return (
    <section className="page" aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">{t('overview.title')}</h1>
        <fieldset className="segmented">
          <legend className="visually-hidden">{t('overview.window')}</legend>
          {(['1h', '24h'] as const).map((w) => (
            <label key={w}><input type="radio" name="window" value={w} checked={windowName === w} onChange={() => setWindow(w)} />{t(w === '1h' ? 'overview.window.1h' : 'overview.window.24h')}</label>
          ))}
        </fieldset>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="health-panel" data-testid="health-panel" data-healthy={now ? String(now.healthy) : 'unknown'} aria-live="polite">
        {!now ? <div className="skeleton line" />
          : now.healthy ? <p className="ok">{t('overview.healthy')}</p>
            : (
              <>
                <h2 className="bad">{t('overview.unhealthy')}</h2>
                <ul>
                  {now.problems.map((p) => (
                    <li key={p}>
                      <strong>{t(`overview.problem.${p}`, { count: now.deadDeliveries, lag: seconds(now.lagSeconds) })}</strong>
                      <span> <WithCode text={t(`overview.fix.${p}`)} /></span>
                      {p === 'dead-deliveries' && <> <a href="/runs/dead" onClick={(e) => { e.preventDefault(); navigate('/runs/dead'); }}>{t('overview.openDead')}</a></>}
                    </li>
                  ))}
                </ul>
              </>
            )}
      </div>
      <dl className="stats" aria-busy={!now}>
        <Stat testId="stat-events" label={t('overview.eventsIn')} value={now ? t('common.perSecond', { value: now.eventsPerSecond }) : '…'}
          detail={now ? t('overview.totals', { ingested: now.totals.ingested, firings: now.totals.firings }) : undefined} />
        <Stat testId="stat-lag" label={t('overview.lag')} value={now ? seconds(now.lagSeconds) : '…'} detail={now ? t('overview.lagEvents', { count: now.lagEvents }) : undefined}
          tone={now?.problems.includes('lag-growing') ? 'bad' : undefined} />
        <Stat testId="stat-firings" label={t('overview.firings')} value={now ? t('common.perSecond', { value: now.firingsPerSecond }) : '…'} />
        <Stat testId="stat-deliveries" label={t('overview.deliveries')}
          value={now ? `${intl.formatNumber(now.deliveries.delivered)} / ${intl.formatNumber(now.deliveries.retried)} / ${intl.formatNumber(now.deliveries.died)}` : '…'}
          detail={`${t('overview.delivered')} / ${t('overview.retried')} / ${t('overview.died')}`} />
        <Stat testId="stat-dead" label={t('overview.dead')} value={now ? intl.formatNumber(now.deadDeliveries) : '…'} detail={t('overview.deadHelp')}
          tone={now && now.deadDeliveries > 0 ? 'bad' : undefined} />
      </dl>
      <div className="charts">
        <Chart title={t('overview.chart.rates')} times={charts.times} series={charts.rates} empty={emptyChart} />
        <Chart title={t('overview.chart.lag')} times={charts.times} series={charts.lag} empty={emptyChart} />
        <Chart title={t('overview.chart.deliveries')} times={charts.times} series={charts.deliveries} empty={emptyChart} />
      </div>
      <h2>{t('overview.slowest')}</h2>
      {data && data.slowestDestinations.length === 0 ? <p className="muted">{t('overview.slowest.empty')}</p> : (
        <table className="table">
          <thead><tr><th scope="col">{t('overview.slowest.kind')}</th><th scope="col">{t('overview.slowest.average')}</th><th scope="col">{t('overview.slowest.attempts')}</th></tr></thead>
          <tbody>
            {(data?.slowestDestinations ?? []).map((d) => (
              <tr key={d.kind}><td>{d.kind}</td><td>{d.averageSeconds < 1 ? t('common.milliseconds', { value: d.averageSeconds * 1000 }) : seconds(d.averageSeconds)}</td><td>{intl.formatNumber(d.attempts)}</td></tr>
            ))}
          </tbody>
        </table>
      )}
      {now && <p className="muted small">{t('common.updated', { time: intl.formatTime(now.at, { hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' }) })}</p>}
    </section>
  );
}
