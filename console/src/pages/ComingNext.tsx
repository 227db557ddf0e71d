// An honest empty state for a page not built yet: what to use meanwhile, never made-up data.
import { useT } from '../i18n/index.tsx';
import type { MessageKey } from '../i18n/en.ts';
import type { Page } from '../router.ts';

const MEANWHILE: Partial<Record<Page, { text: MessageKey; commands: string[] }>> = {
  rules: { text: 'coming.rules', commands: ['npx ifthen rules ls', 'npx ifthen apply -f rules/x.yaml', 'npx ifthen test rules/x.yaml --event e.json', 'npx ifthen backtest <rule-id> --from 2026-11-01 --to 2026-11-08'] },
  runs: { text: 'coming.runs', commands: ['npx ifthen firings', 'npx ifthen firing <id>', 'npx ifthen deliveries', 'npx ifthen dlq ls', 'npx ifthen dlq replay'] },
  subject: { text: 'coming.subject', commands: ['npx ifthen explain <subject> --rule <id>'] },
  report: { text: 'coming.report', commands: ['npx ifthen stats compare --control 200/2000 --treatment 260/2000'] },
  users: { text: 'coming.users', commands: ['npx ifthen keys create', 'npx ifthen keys ls', 'npx ifthen keys rm <id>'] },
};

export function ComingNext({ page, title }: { page: Page; title: string }) {
  const t = useT();
  const meanwhile = MEANWHILE[page];
  return (
    <section className="page" aria-labelledby="page-title">
      <h1 id="page-title">{title}</h1>
      <div className="empty">
        <h2>{t('coming.title', { page: title })}</h2>
        <p>{t('coming.body')}</p>
        {meanwhile && (
          <>
            <p>{t(meanwhile.text)}</p>
            <pre className="commands"><code>{meanwhile.commands.join('\n')}</code></pre>
          </>
        )}
      </div>
    </section>
  );
}
