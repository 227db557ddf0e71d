// The log action's render step: the line to write and its level.
import type { ActionSpec } from '../../engine/rule/schema.ts';
import { renderText } from '../../engine/template.ts';
import type { RenderBudget } from '../../engine/render-limits.ts';
import { rendered, type FieldSizeLimits } from '../render.ts';
import type { RenderedLogLine } from '../rendered.ts';

export function renderLog(spec: ActionSpec<'log'>, context: object, limits: FieldSizeLimits, budget: RenderBudget): RenderedLogLine {
  return { message: rendered('message', limits.maxBodyBytes, () => renderText(spec.message, context, budget)), level: spec.level ?? 'info' };
}
