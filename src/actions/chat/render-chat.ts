// The chat action's render step: a Slack-compatible incoming webhook takes POST {"text": ...} as JSON.
import type { ActionSpec } from '../../engine/rule/schema.ts';
import { renderText } from '../../engine/template.ts';
import type { RenderBudget } from '../../engine/render-limits.ts';
import { rendered, type FieldSizeLimits } from '../render.ts';
import type { RenderedRequest } from '../rendered.ts';

export function renderChat(spec: ActionSpec<'chat'>, context: object, limits: FieldSizeLimits, budget: RenderBudget): RenderedRequest {
  const url = rendered('url', limits.maxHeaderBytes, () => renderText(spec.url, context, budget));
  const body = rendered('text', limits.maxBodyBytes, () => JSON.stringify({ text: renderText(spec.text, context, budget) }));
  return { method: 'POST', url, headers: { 'content-type': 'application/json' }, body };
}
