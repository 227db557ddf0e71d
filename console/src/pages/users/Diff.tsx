// A rule change's unified diff, readable: added lines green AND marked "+", removed lines red AND marked "−", the
// file headers left out, each hunk's position in words; colour is never the only signal.
import { useT } from '../../i18n/index.tsx';

export function Diff({ text }: { text: string }) {
  const t = useT();
  // The file headers (=== / --- / +++) come before the first hunk; the text ends with a newline.
  const all = text.split('\n');
  const first = all.findIndex((line) => line.startsWith('@@'));
  const lines = (first < 0 ? [] : all.slice(first)).filter((line, i, list) => line !== '\\ No newline at end of file' && !(i === list.length - 1 && line === ''));
  let added = 0;
  let removed = 0;
  for (const line of lines) { if (line.startsWith('+')) added++; else if (line.startsWith('-')) removed++; }
  return (
    <div className="diff">
      <p className="small muted">{t('users.audit.diff.summary', { added, removed })}</p>
      <pre className="diff-lines" data-testid="audit-diff" tabIndex={0} aria-label={t('users.audit.diff.label')}>
        {lines.map((line, i) => {
          if (line.startsWith('@@')) return <span key={i} className="diff-hunk">{line}</span>;
          if (line.startsWith('+')) return <span key={i} className="diff-add"><span className="diff-mark" aria-hidden="true">+</span><span className="visually-hidden">{t('users.audit.diff.added')} </span>{line.slice(1)}</span>;
          if (line.startsWith('-')) return <span key={i} className="diff-del"><span className="diff-mark" aria-hidden="true">−</span><span className="visually-hidden">{t('users.audit.diff.removed')} </span>{line.slice(1)}</span>;
          return <span key={i} className="diff-same"><span className="diff-mark" aria-hidden="true"> </span>{line.slice(1)}</span>;
        })}
      </pre>
    </div>
  );
}
