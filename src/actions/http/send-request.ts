// The send step of webhook and chat: adds the attempt's identity and Standard Webhooks signature to the
// rendered request, sends it, and reports what was sent with the outcome (an error carries it too).
import type { Delivery, SentRequest } from '../../store/contracts.ts';
import { DeliveryError, NonRetriableError } from '../errors.ts';
import type { RenderedRequest } from '../rendered.ts';
import type { ActionResult, ActionRuntime, AttemptScope } from '../types.ts';
import { signWebhook } from '../webhook/signature.ts';
import { withAttemptHeaders } from './headers.ts';

export async function sendRequest(request: RenderedRequest, delivery: Delivery, runtime: ActionRuntime, scope: AttemptScope, timeoutMs: number): Promise<ActionResult> {
  const timestampSec = Math.floor(scope.now() / 1000);
  const headers = withAttemptHeaders(request.headers, {
    userAgent: runtime.userAgent, deliveryId: delivery.id, attempt: String(scope.attempt), timestamp: String(timestampSec),
    signature: signature(delivery, runtime, { id: delivery.id, timestampSec, body: request.body ?? '' }),
  });
  const sent: SentRequest = { method: request.method, url: request.url, headers, body: request.body ?? null, bodyBytes: Buffer.byteLength(request.body ?? '') };
  try {
    const result = await runtime.http.send({ url: request.url, method: request.method, headers, body: request.body, timeoutMs }, scope);
    return { ...result, request: sent };
  } catch (error) {
    if (error instanceof DeliveryError) error.request ??= sent;
    throw error;
  }
}

/** The webhook-signature value, or null when the rule has no signing secret. */
function signature(delivery: Delivery, runtime: ActionRuntime, message: Parameters<typeof signWebhook>[0]): string | null {
  const secrets = runtime.signingSecrets(delivery);
  if (!secrets.length) return null;
  try {
    return signWebhook(message, secrets);
  } catch (error) {
    // A malformed secret fails every attempt alike; the message never includes the secret.
    throw new NonRetriableError(`webhook signing: ${(error as Error).message}`);
  }
}
