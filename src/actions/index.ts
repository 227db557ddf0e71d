// The action adapters behind one entry point: the dispatcher calls executeDelivery and reads the
// result or the thrown DeliveryError. Each kind renders its spec (render-action.ts), then a sender sends it.
import type { Delivery } from '../store/contracts.ts';
import { sendEmail } from './email/send-email.ts';
import { NonRetriableError } from './errors.ts';
import { sendRequest } from './http/send-request.ts';
import { writeLog } from './log/write-log.ts';
import { RenderBudget } from '../engine/render-limits.ts';
import { actionTimeout, templateContext, withinDeadline } from './render.ts';
import { renderDelivery } from './render-action.ts';
import type { ActionResult, ActionRuntime, AttemptScope } from './types.ts';

export type { ActionResult, ActionRuntime, AttemptScope } from './types.ts';
export { createActionRuntime, type ActionRuntimeOptions } from './runtime.ts';
export * from './errors.ts';
export { createRedactor, cutToBytes, redactTruncated, redactedPrefix, type Redactor } from './redact/redactor.ts';
export { recordedRequest } from './recorded-request.ts';
export { renderAction, DEFAULT_USER_AGENT } from './render-action.ts';
export { DEFAULT_FIELD_SIZE_LIMITS, type FieldSizeLimits } from './render.ts';
export { newSigningSecret, signingSecretProblem, signWebhook, verifyWebhook } from './webhook/signature.ts';

export async function executeDelivery(delivery: Delivery, runtime: ActionRuntime, scope: AttemptScope): Promise<ActionResult> {
  const context = templateContext(delivery, scope.secrets);
  // One budget per attempt: every field of the action shares it.
  const budget = new RenderBudget(runtime.renderLimits);
  switch (delivery.kind) {
    case 'webhook': case 'chat': {
      const request = renderDelivery(delivery.kind, delivery.spec, context, runtime.fieldLimits, budget);
      return sendRequest(request, delivery, runtime, scope, withinDeadline(actionTimeout(delivery.spec.timeout, runtime), scope));
    }
    case 'email': return sendEmail(renderDelivery('email', delivery.spec, context, runtime.fieldLimits, budget), delivery, runtime, scope);
    case 'log': return writeLog(renderDelivery('log', delivery.spec, context, runtime.fieldLimits, budget), delivery, runtime, scope);
    default: throw new NonRetriableError(`unknown action kind "${String(delivery.kind)}"`);
  }
}
