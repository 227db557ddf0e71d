// The action adapters behind one entry point: the dispatcher calls executeDelivery and reads the
// result or the thrown DeliveryError; each adapter only renders its spec and hands it to a sender.
import type { Delivery } from '../store/contracts.ts';
import { NonRetriableError } from './errors.ts';
import { sendWebhook } from './webhook/webhook-action.ts';
import { sendChat } from './chat/chat-action.ts';
import { sendEmail } from './email/email-action.ts';
import { writeLog } from './log/log-action.ts';
import type { ActionResult, ActionRuntime, AttemptScope } from './types.ts';

export type { ActionResult, ActionRuntime, AttemptScope } from './types.ts';
export { createActionRuntime, type ActionRuntimeOptions } from './runtime.ts';
export * from './errors.ts';
export { createRedactor, redactTruncated, type Redactor } from './redact.ts';
export { verifySignature, signatureHeader, SIGNATURE_HEADER } from './webhook/signature.ts';

export function executeDelivery(delivery: Delivery, runtime: ActionRuntime, scope: AttemptScope): Promise<ActionResult> {
  switch (delivery.kind) {
    case 'webhook': return sendWebhook(delivery, runtime, scope);
    case 'chat': return sendChat(delivery, runtime, scope);
    case 'email': return sendEmail(delivery, runtime, scope);
    case 'log': return writeLog(delivery, runtime, scope);
    default: return Promise.reject(new NonRetriableError(`unknown action kind "${String(delivery.kind)}"`));
  }
}
