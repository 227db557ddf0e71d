// Switching a rule on or off, after a confirmation that says what will happen: for enabling, an estimate from a
// 7-day backtest of the saved rule ("about 1,200 messages a day, judging by last week"), or that there is no data.
import { useEffect, useState } from 'react';
import { useIntl } from 'react-intl';
import { useT } from '../../i18n/index.tsx';
import { Dialog } from './Dialog.tsx';
import { call } from './request.ts';
import { backtestLastWeek } from './BacktestTab.tsx';
import { estimate, type BacktestAnswer } from './estimate.ts';
import type { Doc } from './path.ts';

export function EnableDialog({ open, enable, ruleId, saved, dirty, onClose, onDone }: {
  open: boolean; enable: boolean; ruleId: string; saved: Doc; dirty: boolean; onClose(): void; onDone(enabled: boolean): void;
}) {
  const t = useT();
  const intl = useIntl();
  const [result, setResult] = useState<BacktestAnswer | 'failed'>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  useEffect(() => {
    if (!open || !enable) return;
    setResult(undefined); setError(undefined);
    let stopped = false;
    backtestLastWeek(saved, ruleId).then((r) => { if (!stopped) setResult(r); }, () => { if (!stopped) setResult('failed'); });
    return () => { stopped = true; };
  }, [open, enable, ruleId, saved]);

  const confirm = async () => {
    setBusy(true); setError(undefined);
    try {
      await call('POST', `/v1/rules/${encodeURIComponent(ruleId)}/${enable ? 'enable' : 'disable'}`);
      onDone(enable);
    } catch (failure) { setError((failure as Error).message); } finally { setBusy(false); }
  };

  const guess = result && result !== 'failed' ? estimate(result, saved) : undefined;
  const number = (n: number) => intl.formatNumber(n, { maximumFractionDigits: n < 10 ? 1 : 0 });
  return (
    <Dialog open={open} title={t(enable ? 'editor.enable.title' : 'editor.disable.title', { id: ruleId })} onClose={onClose} testId="enable-dialog">
      {enable ? (
        <>
          <p>{t('editor.enable.what')}</p>
          <p data-testid="estimate" aria-live="polite">
            {result === undefined ? t('editor.enable.estimating')
              : result === 'failed' ? t('editor.enable.noEstimate')
              : guess && result.covered
                ? t('editor.enable.estimate', { firings: number(guess.perDay), messages: number(guess.messagesPerDay), from: intl.formatDate(result.covered.from, { dateStyle: 'medium' }), to: intl.formatDate(result.covered.to, { dateStyle: 'medium' }) })
                : t('editor.enable.noData')}
          </p>
        </>
      ) : <p>{t('editor.disable.what')}</p>}
      {dirty && <p className="warning">{t('editor.enable.unsaved')}</p>}
      {error && <p className="error" role="alert">{error}</p>}
      <div className="row-actions">
        <button type="button" className="button primary" disabled={busy} onClick={() => void confirm()}>{t(enable ? 'editor.enable.confirm' : 'editor.disable.confirm')}</button>
        <button type="button" className="button" onClick={onClose}>{t('editor.cancel')}</button>
      </div>
    </Dialog>
  );
}
