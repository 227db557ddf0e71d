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

/**
 * Exposures a day from the first day with exposures to the day the report was computed (both counted), for "about
 * N more days at the pace so far": an experiment that stopped getting exposures slows down, as it should.
 */
export function exposuresPerDay(report: RuleReport): number | null {
  const days = report.over_time;
  if (days.length < 1) return null;
  const first = Math.floor(Date.parse(`${days[0].day}T00:00:00Z`) / 86_400_000);
  const today = Math.floor(Date.parse(report.as_of) / 86_400_000);
  const span = Math.max(1, today - first + 1);
  const total = report.matured.control + report.matured.treatment + report.maturing.control + report.maturing.treatment;
  return total > 0 ? total / span : null;
}
