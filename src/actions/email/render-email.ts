// The email action's render step: addresses, subject and the text and HTML parts from their templates.
import type { ActionSpec } from '../../engine/rule/schema.ts';
import { renderText } from '../../engine/template.ts';
import { NonRetriableError } from '../errors.ts';
import type { RenderBudget } from '../../engine/render-limits.ts';
import { rendered, type FieldSizeLimits } from '../render.ts';
import type { RenderedMail } from '../rendered.ts';

export function renderEmail(spec: ActionSpec<'email'>, context: object, limits: FieldSizeLimits, budget: RenderBudget): RenderedMail {
  const header = (field: 'to' | 'from' | 'subject', source: string) => rendered(field, limits.maxHeaderBytes, () => renderText(source, context, budget));
  const part = (field: 'text' | 'html', source: string | undefined) => (source === undefined ? undefined : rendered(field, limits.maxBodyBytes, () => renderText(source, context, budget)));
  const to = header('to', spec.to).trim();
  if (!to) throw new NonRetriableError('to: rendered to an empty address');
  return {
    from: spec.from ? header('from', spec.from).trim() : null,
    to,
    subject: header('subject', spec.subject),
    text: part('text', spec.text),
    html: part('html', spec.html),
  };
}
