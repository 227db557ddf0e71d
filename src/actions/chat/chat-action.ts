// The chat action: a Slack-compatible incoming webhook, POST {"text": ...} through the shared HTTP client.
import type { ActionSpec } from '../../engine/rule/schema.ts';
import { renderText } from '../../engine/template.ts';
import type { Delivery } from '../../store/contracts.ts';
import { actionTimeout, rendered, templateContext } from '../render.ts';
import type { ActionResult, ActionRuntime, AttemptScope } from '../types.ts';

export async function sendChat(delivery: Delivery, runtime: ActionRuntime, scope: AttemptScope): Promise<ActionResult> {
  const spec = delivery.spec as ActionSpec<'chat'>;
  const context = templateContext(delivery, scope.secrets);
  const url = rendered('url', () => renderText(spec.url, context));
  const text = rendered('text', () => renderText(spec.text, context));
  return runtime.http.send(
    {
      deliveryId: delivery.id, url, method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text }), timeoutMs: actionTimeout(spec.timeout, runtime),
    },
    scope,
  );
}
