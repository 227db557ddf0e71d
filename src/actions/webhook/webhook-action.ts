// The webhook action: renders url, headers and body, then sends through the shared HTTP client.
import type { ActionSpec } from '../../engine/rule/schema.ts';
import { renderText, renderValue } from '../../engine/template.ts';
import type { Delivery } from '../../store/contracts.ts';
import { actionTimeout, rendered, templateContext } from '../render.ts';
import type { ActionResult, ActionRuntime, AttemptScope } from '../types.ts';

export async function sendWebhook(delivery: Delivery, runtime: ActionRuntime, scope: AttemptScope): Promise<ActionResult> {
  const spec = delivery.spec as ActionSpec<'webhook'>;
  const context = templateContext(delivery, scope.secrets);
  const url = rendered('url', () => renderText(spec.url, context));
  const headers: Record<string, string> = {};
  for (const name of Object.keys(spec.headers ?? {})) {
    headers[name.toLowerCase()] = rendered(`headers.${name}`, () => renderText(spec.headers![name], context));
  }
  const body = rendered('body', () => renderBody(spec.body, context));
  if (body && headers['content-type'] === undefined) headers['content-type'] = body.contentType;
  return runtime.http.send(
    { deliveryId: delivery.id, url, method: spec.method ?? 'POST', headers, body: body?.text, timeoutMs: actionTimeout(spec.timeout, runtime) },
    scope,
  );
}

/**
 * A string body is a template sent as is (JSON if it parses as JSON, else plain text). An object or
 * array is rendered leaf by leaf and serialised afterwards, so a value with quotes or newlines is
 * escaped by JSON.stringify and can never break the document.
 */
export function renderBody(body: unknown, context: object): { text: string; contentType: string } | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') {
    const text = renderText(body, context);
    return { text, contentType: isJson(text) ? 'application/json' : 'text/plain; charset=utf-8' };
  }
  return { text: JSON.stringify(renderValue(body, context)), contentType: 'application/json' };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
