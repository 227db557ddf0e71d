// The rules page (issue 8). Being built: until then it says what the CLI offers meanwhile.
import { useT } from '../../i18n/index.tsx';
import { ComingNext } from '../ComingNext.tsx';

export function RuleEditor() {
  const t = useT();
  return <ComingNext page="rules" title={t('editor.title')} />;
}
