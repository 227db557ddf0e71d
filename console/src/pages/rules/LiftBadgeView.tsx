// The lift badge of a rule's holdout report in the list: verdict and lift in the goal's own units ("+2.1 pts,
// helped"), or why there is none yet. The verdict is in words as well as colour; it links to the full report.
import type { MouseEvent } from 'react';
import { useIntl } from 'react-intl';
import { useT } from '../../i18n/index.tsx';
import { navigate } from '../../router.ts';
import type { LiftBadge } from './types.ts';

export function LiftBadgeView({ badge, ruleId }: { badge: LiftBadge; ruleId: string }) {
  const t = useT();
  const intl = useIntl();
  const href = `/reports/${encodeURIComponent(ruleId)}`;
  const open = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(href);
  };
  switch (badge.status) {
    case 'no_holdout': return <span className="lift muted" data-status="no_holdout">{t('rules.lift.none')}</span>;
    case 'pending': return <span className="lift muted" data-status="pending">{t('rules.lift.pending')}</span>;
    case 'no_goal': return <span className="lift muted" data-status="no_goal">{t('rules.lift.noGoal')}</span>;
    case 'failed': return <span className="lift bad" data-status="failed" title={badge.message}>{t('rules.lift.failed')}</span>;
    case 'sample_ratio_mismatch':
      return <a className="lift lift-bad" data-status="srm" href={href} onClick={open}>{t('rules.lift.srm')}</a>;
    case 'too_early':
      return (
        <a className="lift lift-wait" data-status="too_early" href={href} onClick={open}>
          {t('rules.lift.tooEarly')}
          <span className="small lift-detail">{t('rules.lift.tooEarly.detail', { control: badge.matured.control, treatment: badge.matured.treatment, minimum: badge.minimum })}</span>
        </a>
      );
    case 'ready': {
      // Signed, so that a loss reads as one: "+2.1 pts", "−0.4 pts".
      const signed = (n: number, digits: number) => intl.formatNumber(n, { signDisplay: 'always', maximumFractionDigits: digits, minimumFractionDigits: Math.min(1, digits) });
      const value = badge.kind === 'conversion'
        ? t('rules.lift.points', { value: signed(badge.absolute * 100, 1) })
        : t('rules.lift.value', { value: signed(badge.absolute, 2), metric: badge.metric });
      const verdict = t(`rules.lift.verdict.${badge.verdict}`);
      const range = badge.kind === 'conversion'
        ? t('rules.lift.range.points', { lower: signed(badge.lower * 100, 1), upper: signed(badge.upper * 100, 1) })
        : t('rules.lift.range.value', { lower: signed(badge.lower, 2), upper: signed(badge.upper, 2) });
      return (
        <a className={`lift lift-${badge.verdict}`} data-status="ready" data-verdict={badge.verdict} href={href} onClick={open}>
          {t('rules.lift.ready', { value, verdict })}
          <span className="small lift-detail">{range}</span>
        </a>
      );
    }
  }
}
