// The YAML tab: the same document as the form, edited as text. Each edit that parses updates the form at once;
// one that does not is kept as typed, with the line and column of the problem, and the form keeps the last good one.
import { useT } from '../../i18n/index.tsx';
import { useEditor } from './context.tsx';
import { fromYaml, toYaml } from './yaml-text.ts';
import type { Doc } from './path.ts';

export function YamlTab({ text, setText, replace }: { text: string | undefined; setText(text: string | undefined): void; replace(doc: Doc): void }) {
  const t = useT();
  const { doc, errors } = useEditor();
  const shown = text ?? toYaml(doc);
  const result = text === undefined ? undefined : fromYaml(text);
  const problem = result && !result.ok ? result : undefined;
  return (
    <div className="yaml-tab">
      <div className="field">
        <label htmlFor="yaml-text">{t('editor.yaml.label')}</label>
        <textarea id="yaml-text" className="yaml" rows={Math.min(40, Math.max(14, shown.split('\n').length + 2))} spellCheck={false} value={shown}
          aria-invalid={problem ? true : undefined} aria-describedby={problem ? 'yaml-error' : 'yaml-hint'}
          onChange={(e) => {
            const next = e.target.value;
            setText(next);
            const parsed = fromYaml(next);
            if (parsed.ok) replace(parsed.doc);
          }} />
        <span className="hint" id="yaml-hint">{t('editor.yaml.hint')}</span>
        {problem && (
          <p className="field-error" id="yaml-error" role="alert">
            {problem.message === 'not-a-mapping' ? t('editor.yaml.notMapping')
              : problem.line ? t('editor.yaml.errorAt', { line: problem.line, column: problem.column ?? 1, message: problem.message }) : problem.message}
          </p>
        )}
      </div>
      {errors.size > 0 && <p className="muted small">{t('editor.yaml.seeSummary')}</p>}
    </div>
  );
}
