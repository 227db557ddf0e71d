// The email action's send step: sends the rendered message over SMTP and reports what was sent. A 4xx
// reply or a broken connection is retried; a 5xx reply is final.
import type { Delivery, SentRequest } from '../../store/contracts.ts';
import { DeliveryError, NonRetriableError, RetryableError, TimeoutError } from '../errors.ts';
import type { RenderedMail } from '../rendered.ts';
import { withinDeadline } from '../render.ts';
import type { ActionResult, ActionRuntime, AttemptScope } from '../types.ts';

/** The headers ifthen adds to every email: Message-ID and X-Ifthen-Idempotency-Key carry the delivery id. */
export function mailIdentityHeaders(deliveryId: string): { readonly 'Message-ID': string; readonly 'X-Ifthen-Idempotency-Key': string } {
  return { 'Message-ID': `<${deliveryId}@ifthen>`, 'X-Ifthen-Idempotency-Key': deliveryId };
}

export async function sendEmail(mail: RenderedMail, delivery: Delivery, runtime: ActionRuntime, scope: AttemptScope): Promise<ActionResult> {
  const mailer = runtime.mailer;
  if (!mailer) throw new NonRetriableError('email is not configured: set IFTHEN_SMTP_URL (e.g. smtp://user:pass@mail.example.com:587)');
  const from = mail.from ?? mailer.defaultFrom;
  if (!from) throw new NonRetriableError('no sender: set "from" on the action or IFTHEN_SMTP_FROM');
  const identity = mailIdentityHeaders(delivery.id);
  const body = mail.text ?? mail.html ?? null;
  const sent: SentRequest = {
    method: 'SMTP', url: mailer.server, headers: { From: from, To: mail.to, Subject: mail.subject, ...identity },
    body, bodyBytes: Buffer.byteLength(body ?? ''),
  };
  let reply: string;
  try {
    // nodemailer cannot cancel a send: on stop or timeout the attempt is abandoned, not aborted.
    const outgoing = { ...mail, from, messageId: identity['Message-ID'], headers: { 'X-Ifthen-Idempotency-Key': identity['X-Ifthen-Idempotency-Key'] } };
    reply = await raceAbort(mailer.send(outgoing), scope.signal, withinDeadline(mailer.timeoutMs, scope));
  } catch (error) {
    if (scope.signal.aborted) throw error;
    const failure = smtpFailure(error);
    failure.request ??= sent;
    throw failure;
  }
  const code = /^\d{3}/.exec(reply);
  return { statusCode: code ? Number(code[0]) : null, response: reply || null, request: sent };
}

function smtpFailure(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const e = error as Error & { responseCode?: number; response?: string; code?: string };
  const details = { statusCode: e.responseCode ?? null, response: e.response ?? null, cause: error };
  if (e.responseCode && e.responseCode >= 500) return new NonRetriableError(`SMTP ${e.responseCode}: ${e.response ?? e.message}`, details);
  if (e.responseCode && e.responseCode >= 400) return new RetryableError(`SMTP ${e.responseCode}: ${e.response ?? e.message}`, details);
  // An envelope the client itself rejects (no valid recipient) fails the same way every time.
  if (e.code === 'EENVELOPE') return new NonRetriableError(`SMTP envelope: ${e.message}`, details);
  return new RetryableError(`SMTP ${e.code ? `${e.code}: ` : ''}${e.message}`, details);
}

function raceAbort<T>(work: Promise<T>, signal: AbortSignal, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => finish(() => reject(new TimeoutError(`timed out after ${timeoutMs} ms`))), timeoutMs);
    const onAbort = () => finish(() => reject(signal.reason));
    const finish = (settle: () => void) => { clearTimeout(timer); signal.removeEventListener('abort', onAbort); settle(); };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then((value) => finish(() => resolve(value)), (error: unknown) => finish(() => reject(error)));
  });
}
