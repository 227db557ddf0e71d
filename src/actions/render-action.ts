// One renderer for delivery and preview: each action kind renders its spec and the template context
// (secrets included) to exactly what is sent. The dispatcher sends that; the rule test shows it, with
// the per-attempt headers (timestamp, signature, attempt) described instead of computed.
import type { ActionSpec } from '../engine/rule/schema.ts';
import type { DeliveryKind } from '../engine/types.ts';
import { renderChat } from './chat/render-chat.ts';
import { renderEmail } from './email/render-email.ts';
import { mailIdentityHeaders } from './email/send-email.ts';
import { NonRetriableError } from './errors.ts';
import { withAttemptHeaders } from './http/headers.ts';
import { renderLog } from './log/render-log.ts';
import { RenderBudget } from '../engine/render-limits.ts';
import { DEFAULT_FIELD_SIZE_LIMITS, type FieldSizeLimits } from './render.ts';
import type { RenderedActions } from './rendered.ts';
import { renderWebhook } from './webhook/render-webhook.ts';

/** The User-Agent the preview shows; the dispatcher's own setting (same default) is what is sent. */
export const DEFAULT_USER_AGENT = 'ifthen/0.1';

type Spec = Readonly<Record<string, unknown>>;

/**
 * Renders a delivery's action within `budget` (one per attempt); a template error, a result over the field
 * caps or a render over the budget is a `NonRetriableError` naming the field.
 */
export function renderDelivery<K extends DeliveryKind>(kind: K, spec: Spec, context: object, limits: FieldSizeLimits, budget: RenderBudget): RenderedActions[K];
export function renderDelivery(kind: DeliveryKind, spec: Spec, context: object, limits: FieldSizeLimits, budget: RenderBudget): RenderedActions[DeliveryKind] {
  switch (kind) {
    case 'webhook': return renderWebhook(spec as ActionSpec<'webhook'>, context, limits, budget);
    case 'chat': return renderChat(spec as ActionSpec<'chat'>, context, limits, budget);
    case 'email': return renderEmail(spec as ActionSpec<'email'>, context, limits, budget);
    case 'log': return renderLog(spec as ActionSpec<'log'>, context, limits, budget);
    default: throw new NonRetriableError(`unknown action kind "${String(kind)}"`);
  }
}

/**
 * What the action would send, for the rule test: the same render as delivery, plus the headers ifthen
 * adds, with per-attempt values described (the signature needs the send time; secrets are never used).
 */
export function renderAction(kind: string, spec: Spec, context: object, limits: FieldSizeLimits = DEFAULT_FIELD_SIZE_LIMITS, budget = new RenderBudget()): Readonly<Record<string, unknown>> {
  switch (kind) {
    case 'webhook': case 'chat': {
      const request = renderDelivery(kind, spec, context, limits, budget);
      return { ...request, headers: withAttemptHeaders(request.headers, DESCRIBED_ATTEMPT) };
    }
    case 'email': {
      const mail = renderDelivery(kind, spec, context, limits, budget);
      return { ...mail, from: mail.from ?? '<IFTHEN_SMTP_FROM>', headers: mailIdentityHeaders('<delivery id>') };
    }
    case 'log': return { ...renderDelivery(kind, spec, context, limits, budget) };
    default: throw new NonRetriableError(`unknown action kind "${kind}"`);
  }
}

const DESCRIBED_ATTEMPT = {
  userAgent: DEFAULT_USER_AGENT,
  deliveryId: '<delivery id>',
  attempt: '<attempt number, from 1>',
  timestamp: '<unix seconds when sent>',
  signature: 'v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}"> for each signing secret of the rule, space separated (none without a secret)',
};
