// Runs in words: a firing's trace read as sentences (the event, each condition with the values it saw, the group,
// what each action did), and the badges for a group and a delivery status.
import { useIntl } from 'react-intl';
import { useT } from '../../i18n/index.tsx';
import type { MessageKey } from '../../i18n/en.ts';
import type { Decision, DeliveryStatus, Trace } from './types.ts';

const STATUS: Record<DeliveryStatus, MessageKey> = {
  pending: 'runs.status.pending', delivering: 'runs.status.delivering', delivered: 'runs.status.delivered', dead: 'runs.status.dead',
};

export function StatusBadge({ status }: { status: DeliveryStatus }) {
  const t = useT();
  return <span className="runs-badge" data-status={status}>{t(STATUS[status] ?? 'runs.status.pending')}</span>;
}

export function GroupBadge({ group }: { group: string }) {
  const t = useT();
  return <span className="runs-badge" data-group={group}>{group === 'holdout' ? t('runs.group.holdout') : t('runs.group.treatment')}</span>;
}

/** A value as a condition saw it: numbers in the viewer's format, text quoted, the rest as JSON. */
export function useValueText() {
  const intl = useIntl();
  return (value: unknown) => (typeof value === 'number' ? intl.formatNumber(value) : typeof value === 'string' ? `"${value}"` : JSON.stringify(value) ?? 'null');
}

const ACTION_OUTCOME: Record<string, MessageKey> = {
  queued: 'runs.action.queued', applied: 'runs.action.applied', skipped: 'runs.action.skipped', failed: 'runs.action.failed',
};

/** The trace of one firing as a list of sentences, each marked as passed or not. */
export function TraceWords({ trace, group, decision }: { trace: Trace; group: string; decision?: Decision }) {
  const t = useT();
  const valueText = useValueText();
  return (
    <ol className="runs-trace" data-testid="trace">
      {trace.steps.map((step, i) => (
        <li key={i} data-passed={step.passed}>
          <span className="runs-mark" aria-hidden="true">{step.passed ? '✓' : '✗'}</span>
          {step.check === 'event' ? (
            <span>{t(step.passed ? 'runs.trace.eventPassed' : 'runs.trace.eventFailed', { actual: step.actual, expected: step.expected === '*' ? t('runs.trace.anyEvent') : step.expected.join(', ') })}</span>
          ) : (
            <span>
              {step.error ? t('runs.trace.whereError', { error: step.error }) : t(step.passed ? 'runs.trace.whereTrue' : 'runs.trace.whereFalse')}
              {' '}<code>{step.expression}</code>
              {Object.keys(step.values).length > 0 && (
                <ul className="runs-values">
                  {Object.entries(step.values).map(([name, value]) => <li key={name}><code>{name}</code> = <code>{valueText(value)}</code></li>)}
                </ul>
              )}
            </span>
          )}
        </li>
      ))}
      {decision?.window && (
        <li data-passed="true"><span className="runs-mark" aria-hidden="true">✓</span>
          <span>{t('runs.trace.window', { value: decision.window.value, bound: decision.window.bound })}</span></li>
      )}
      {decision?.suppressions?.map((s, i) => (
        <li key={`s${i}`} data-passed="false"><span className="runs-mark" aria-hidden="true">!</span><span>{t('runs.trace.suppressed', { reason: s.reason, detail: s.detail })}</span></li>
      ))}
      <li data-passed="true"><span className="runs-mark" aria-hidden="true">→</span>
        <span>{group === 'holdout' ? t('runs.trace.holdout') : t('runs.trace.treatment')}</span></li>
    </ol>
  );
}

export function actionOutcomeText(t: ReturnType<typeof useT>, outcome: string): string {
  return ACTION_OUTCOME[outcome] ? t(ACTION_OUTCOME[outcome]) : outcome;
}
