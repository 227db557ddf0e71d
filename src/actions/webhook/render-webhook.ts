// The webhook action's render step: url, headers and body from their templates, checked against the caps.
import type { ActionSpec } from '../../engine/rule/schema.ts';
import { renderText, renderValue } from '../../engine/template.ts';
import { findHeader, setHeader } from '../http/headers.ts';
import { rendered, type RenderLimits } from '../render.ts';
import type { RenderedRequest } from '../rendered.ts';

export function renderWebhook(spec: ActionSpec<'webhook'>, context: object, limits: RenderLimits): RenderedRequest {
  const url = rendered('url', limits.maxHeaderBytes, () => renderText(spec.url, context));
  const headers: Record<string, string> = {};
  for (const name of Object.keys(spec.headers ?? {})) {
    setHeader(headers, name, rendered(`headers.${name}`, limits.maxHeaderBytes, () => renderText(spec.headers![name], context)));
  }
  if (spec.body === undefined || spec.body === null) return { method: spec.method ?? 'POST', url, headers };
  const body = rendered('body', limits.maxBodyBytes, () => renderBody(spec.body, context));
  if (findHeader(headers, 'content-type') === undefined) setHeader(headers, 'content-type', isJson(body) ? 'application/json' : 'text/plain; charset=utf-8');
  return { method: spec.method ?? 'POST', url, headers, body };
}

/**
 * A string body is a template sent as is (JSON if it parses as JSON, else plain text). An object or
 * array is rendered leaf by leaf and serialised afterwards, so a value with quotes or newlines is
 * escaped by JSON.stringify and can never break the document.
 */
function renderBody(body: unknown, context: object): string {
  return typeof body === 'string' ? renderText(body, context) : JSON.stringify(renderValue(body, context));
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
