// The report page (issue 8): /reports lists the rules with a holdout; /reports/{ruleId} is one rule's report.
import { usePath } from '../../router.ts';
import { ReportList } from './ReportList.tsx';
import { RuleReport } from './RuleReport.tsx';
import './report.css';

export function Report() {
  const path = usePath();
  const rest = path.replace(/^\/reports\/?/, '');
  if (!rest) return <ReportList />;
  const ruleId = decodeURIComponent(rest.split('/')[0]);
  // keyed by rule: another rule's report starts from its own loading state and period
  return <RuleReport key={ruleId} ruleId={ruleId} />;
}
