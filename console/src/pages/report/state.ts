// What the report comes to, one word a state: the verdict, or why there is none (sample-ratio mismatch stops it;
// too few matured subjects; no goal). The list, the badge and the verdict panel all read it from here.
import type { RuleReport } from './types.ts';

export type ReportState = 'helped' | 'hurt' | 'inconclusive' | 'srm' | 'tooFew' | 'noGoal';

export function stateOf(report: RuleReport): ReportState {
  const primary = report.primary;
  if (!primary) return 'noGoal';
  if (primary.comparison?.srm.flagged) return 'srm';
  if (report.verdict === 'invalid') return 'tooFew';
  return report.verdict;
}

/** Exposures a day over the period's days with exposures (first to last), for "about N days at the recent pace". */
export function exposuresPerDay(report: RuleReport): number | null {
  const days = report.over_time;
  if (days.length < 1) return null;
  const first = Date.parse(`${days[0].day}T00:00:00Z`);
  const last = Date.parse(`${days[days.length - 1].day}T00:00:00Z`);
  const span = Math.round((last - first) / 86_400_000) + 1;
  const total = report.matured.control + report.matured.treatment + report.maturing.control + report.maturing.treatment;
  return total > 0 ? total / span : null;
}
