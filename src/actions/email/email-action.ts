// The email action: renders the message and sends it over SMTP. A 4xx reply or a broken connection is
// retried; a 5xx reply is final. Message-ID and X-Ifthen-Idempotency-Key carry the delivery id.
import type { ActionSpec } from '../../engine/rule/schema.ts';
import { renderText } from '../../engine/template.ts';
import type { Delivery } from '../../store/contracts.ts';
import { DeliveryError, NonRetriableError, RetryableError, TimeoutError } from '../errors.ts';
import { rendered, templateContext } from '../render.ts';
import type { ActionResult, ActionRuntime, AttemptScope } from '../types.ts';

export async function sendEmail(delivery: Delivery, runtime: ActionRuntime, scope: AttemptScope): Promise<ActionResult> {
  const mailer = runtime.mailer;
  if (!mailer) throw new NonRetriableError('email is not configured: set IFTHEN_SMTP_URL (e.g. smtp://user:pass@mail.example.com:587)');
  const spec = delivery.spec as ActionSpec<'email'>;
  const context = templateContext(delivery, scope.secrets);
  const to = rendered('to', () => renderText(spec.to, context)).trim();
  if (!to) throw new NonRetriableError('to: rendered to an empty address');
  const from = spec.from ? rendered('from', () => renderText(spec.from!, context)).trim() : mailer.defaultFrom;
  if (!from) throw new NonRetriableError('no sender: set "from" on the action or IFTHEN_SMTP_FROM');
  const mail = {
    from, to,
    subject: rendered('subject', () => renderText(spec.subject, context)),
    text: spec.text === undefined ? undefined : rendered('text', () => renderText(spec.text!, context)),
    html: spec.html === undefined ? undefined : rendered('html', () => renderText(spec.html!, context)),
    messageId: `<${delivery.id}@ifthen>`,
    headers: { 'X-Ifthen-Idempotency-Key': delivery.id },
  };
  let reply: string;
  try {
    // nodemailer cannot cancel a send: on stop or timeout the attempt is abandoned, not aborted.
    reply = await raceAbort(mailer.send(mail), scope.signal, mailer.timeoutMs);
  } catch (error) {
    if (scope.signal.aborted) throw error;
    throw smtpFailure(error);
  }
  const code = /^\d{3}/.exec(reply);
  return { statusCode: code ? Number(code[0]) : null, response: reply || null };
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
