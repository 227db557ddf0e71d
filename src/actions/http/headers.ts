// Header maps that keep the case a rule wrote (HTTP/1.1 sends it as written) but treat names as the
// case-insensitive keys they are; and the headers ifthen adds to every request, in one place.

export function findHeader(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : headers[key];
}

/** Sets `name`, dropping any header of the same name in another case. */
export function setHeader(headers: Record<string, string>, name: string, value: string): void {
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name.toLowerCase()) delete headers[key];
  headers[name] = value;
}

/** What identifies and authenticates one attempt; the preview fills these with descriptions. */
export interface AttemptHeaders {
  readonly userAgent: string;
  /** Idempotency-Key and webhook-id: the same on every attempt of a delivery. */
  readonly deliveryId: string;
  readonly attempt: string;
  /** webhook-timestamp: unix seconds when this attempt was sent. */
  readonly timestamp: string;
  /** webhook-signature; null sends none (no signing secret). */
  readonly signature: string | null;
}

/** The rule's headers plus ifthen's: a rule may set User-Agent, not the identity or signature headers. */
export function withAttemptHeaders(headers: Readonly<Record<string, string>>, attempt: AttemptHeaders): Record<string, string> {
  const out: Record<string, string> = { 'user-agent': attempt.userAgent };
  for (const name of Object.keys(headers)) setHeader(out, name, headers[name]);
  setHeader(out, 'idempotency-key', attempt.deliveryId);
  setHeader(out, 'webhook-id', attempt.deliveryId);
  setHeader(out, 'webhook-timestamp', attempt.timestamp);
  if (attempt.signature !== null) setHeader(out, 'webhook-signature', attempt.signature);
  else for (const key of Object.keys(out)) if (key.toLowerCase() === 'webhook-signature') delete out[key];
  setHeader(out, 'x-ifthen-delivery-attempt', attempt.attempt);
  return out;
}
