// Every problem the server found, in one list above the tabs; each links to its field (focus moves there).
import { forwardRef } from 'react';
import { useT } from '../../i18n/index.tsx';
import { fieldId } from './path.ts';
import type { FieldError } from './request.ts';

export const ErrorSummary = forwardRef<HTMLDivElement, { errors: FieldError[]; onShow(path: string): void }>(function ErrorSummary({ errors, onShow }, ref) {
  const t = useT();
  if (errors.length === 0) return <div ref={ref} tabIndex={-1} />;
  return (
    <div ref={ref} tabIndex={-1} className="error summary" role="region" aria-labelledby="summary-title" data-testid="error-summary">
      <h2 id="summary-title">{t('editor.errors.title', { count: errors.length })}</h2>
      <ul>
        {errors.map((e, i) => (
          <li key={i}>
            <a href={`#${fieldId(e.path)}`} onClick={(event) => { event.preventDefault(); onShow(e.path); }}><code>{e.path}</code>: {e.message}</a>
          </li>
        ))}
      </ul>
    </div>
  );
});
