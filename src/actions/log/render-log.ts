// The log action's render step: the line to write and its level.
import type { ActionSpec } from '../../engine/rule/schema.ts';
import { renderText } from '../../engine/template.ts';
import { rendered, type RenderLimits } from '../render.ts';
import type { RenderedLogLine } from '../rendered.ts';

export function renderLog(spec: ActionSpec<'log'>, context: object, limits: RenderLimits): RenderedLogLine {
  return { message: rendered('message', limits.maxBodyBytes, () => renderText(spec.message, context)), level: spec.level ?? 'info' };
}
