// The destination key of a webhook or chat delivery, from its URL rendered when the firing is planned.
// Why at plan time and not when the dispatcher attempts it: the key is stored with the row, and claims and
// fresh-work credits skip busy destinations by that stored key; a key taken from the unrendered URL put
// every templated host under one key (`unknown` or a shared prefix), so one slow host held back the others.
// The plan has the event and subject the URL reads; it has no secrets, so a host built from a secret
// renders incomplete and falls back to the key of the URL's static part, as before.
import type { DeliveryKind } from './types.ts';
import type { RenderBudget } from './render-limits.ts';
import { renderText, type TemplateContext } from './template.ts';

/** Host and port of the rendered URL, lower case; undefined when there is no URL or it does not render to one. */
export function renderedDestination(kind: DeliveryKind, spec: Readonly<Record<string, unknown>>, context: TemplateContext, budget: RenderBudget): string | undefined {
  if ((kind !== 'webhook' && kind !== 'chat') || typeof spec.url !== 'string') return undefined;
  try {
    const url = new URL(renderText(spec.url, context, budget));
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    return url.host.toLowerCase() || undefined;
  } catch {
    return undefined; // over the budget or not a URL: the attempt fails it with the reason
  }
}
