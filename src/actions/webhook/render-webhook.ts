// The webhook action's render step: url, headers and body from their templates, checked against the caps.
import type { ActionSpec } from '../../engine/rule/schema.ts';
import { renderFastText as renderText, renderFastValue as renderValue } from './fast-template.ts';
import { findHeader, setHeader } from '../http/headers.ts';
import type { RenderBudget } from '../../engine/render-limits.ts';
import { rendered, type FieldSizeLimits } from '../render.ts';
import type { RenderedRequest } from '../rendered.ts';

export function renderWebhook(spec: ActionSpec<'webhook'>, context: object, limits: FieldSizeLimits, budget: RenderBudget): RenderedRequest {
  const url = rendered('url', limits.maxHeaderBytes, () => renderText(spec.url, context, budget));
  const headers: Record<string, string> = {};
  for (const name of Object.keys(spec.headers ?? {})) {
    setHeader(headers, name, rendered(`headers.${name}`, limits.maxHeaderBytes, () => renderText(spec.headers![name], context, budget)));
  }
  if (spec.body === undefined || spec.body === null) return { method: spec.method ?? 'POST', url, headers };
  const body = rendered('body', limits.maxBodyBytes, () => renderBody(spec.body, context, budget));
  if (findHeader(headers, 'content-type') === undefined) setHeader(headers, 'content-type', isJson(body) ? 'application/json' : 'text/plain; charset=utf-8');
  return { method: spec.method ?? 'POST', url, headers, body };
}

/**
 * A string body is a template sent as is (JSON if it parses as JSON, else plain text). An object or
 * array is rendered leaf by leaf and serialised afterwards, so a value with quotes or newlines is
 * escaped by JSON.stringify and can never break the document.
 */
function renderBody(body: unknown, context: object, budget: RenderBudget): string {
  return typeof body === 'string' ? renderText(body, context, budget) : JSON.stringify(renderValue(body, context, budget));
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
