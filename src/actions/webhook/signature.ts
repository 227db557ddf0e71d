// Request signing, Stripe-style, so receivers can check a request came from ifthen and is fresh.
//
//   X-Ifthen-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(signing secret, "<t>.<raw body>")>
//
// To verify: split the header on ",", read t and every v1; recompute the HMAC over `${t}.${rawBody}`
// (the exact bytes received, before any JSON parsing) with the shared secret; compare in constant time
// with each v1; reject when none matches or |now - t| exceeds the tolerance (300 s is customary).
// Dedupe retries with the Idempotency-Key header (the same on every attempt of a delivery).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Ifthen-Signature';

export function signatureHeader(secret: string, body: string, timestampSec: number): string {
  return `t=${timestampSec},v1=${hmac(secret, timestampSec, body)}`;
}

/** Whether `header` signs `body` with `secret`, at most `toleranceSec` from `nowSec` (default: the clock). */
export function verifySignature(secret: string, header: string, body: string, toleranceSec = 300, nowSec = Math.floor(Date.now() / 1000)): boolean {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && /^\d+$/.test(value ?? '')) timestamp = Number(value);
    else if (key === 'v1' && value) signatures.push(value);
  }
  if (timestamp === undefined || !signatures.length) return false;
  if (Math.abs(nowSec - timestamp) > toleranceSec) return false;
  const expected = Buffer.from(hmac(secret, timestamp, body), 'hex');
  return signatures.some((signature) => {
    const given = Buffer.from(signature, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

function hmac(secret: string, timestampSec: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampSec}.${body}`).digest('hex');
}
