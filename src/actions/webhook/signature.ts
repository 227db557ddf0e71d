// Webhook signatures as the Standard Webhooks specification defines them (standardwebhooks.com), so
// receivers verify with an off-the-shelf library:
//
//   webhook-id: <delivery id>            (also Idempotency-Key: the same on every attempt)
//   webhook-timestamp: <unix seconds of this attempt>
//   webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<raw body>")> [v1,<…> …]
//
// The key is the base64-decoded part of a `whsec_` secret. During a rotation every valid secret signs,
// newest first, and a receiver that knows any one of them accepts the request.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';
/** The specification's bounds for a symmetric key: at least 192 bits, at most 512. */
export const SECRET_MIN_BYTES = 24;
export const SECRET_MAX_BYTES = 64;
/** Receivers refuse timestamps further than this from their clock (the libraries' default). */
export const DEFAULT_TOLERANCE_SEC = 300;

/** What is signed: the message id, the attempt's timestamp and the exact body bytes sent. */
export interface SignedMessage {
  readonly id: string;
  readonly timestampSec: number;
  readonly body: string;
}

/** A new `whsec_` secret of 32 random bytes. */
export function newSigningSecret(bytes = 32): string {
  if (bytes < SECRET_MIN_BYTES || bytes > SECRET_MAX_BYTES) throw new Error(`a signing secret has ${SECRET_MIN_BYTES} to ${SECRET_MAX_BYTES} bytes, not ${bytes}`);
  return SECRET_PREFIX + randomBytes(bytes).toString('base64');
}

/**
 * What is wrong with a secret, or null when it is `whsec_` + standard padded base64 of 24–64 bytes: the
 * form the reference libraries decode. Check secrets with this where people enter or configure them.
 */
export function signingSecretProblem(secret: string): string | null {
  if (!secret.startsWith(SECRET_PREFIX)) return `a signing secret starts with "${SECRET_PREFIX}"`;
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return `the part after "${SECRET_PREFIX}" must be padded standard base64`;
  const size = Buffer.from(encoded, 'base64').length;
  if (size < SECRET_MIN_BYTES || size > SECRET_MAX_BYTES) return `a signing secret decodes to ${SECRET_MIN_BYTES}–${SECRET_MAX_BYTES} bytes, not ${size}`;
  return null;
}

/** The `webhook-signature` value: one `v1,<base64>` per secret, space separated. */
export function signWebhook(message: SignedMessage, secrets: readonly string[]): string {
  if (secrets.length === 1) return `v1,${hmac(cachedKey(secrets[0]), message)}`;
  return secrets.map((secret) => `v1,${hmac(cachedKey(secret), message)}`).join(' ');
}

/** Decoded keys of the secrets in use (a handful; rotations add one now and then): decoded once, not per request. */
const keys = new Map<string, Buffer>();
const MAX_KEYS = 64;

function cachedKey(secret: string): Buffer {
  let key = keys.get(secret);
  if (!key) {
    key = signingKey(secret);
    if (keys.size >= MAX_KEYS) keys.clear();
    keys.set(secret, key);
  }
  return key;
}

/**
 * Whether a request carries a valid signature by `secret` within `toleranceSec` of `nowSec`: what a
 * receiver does (the standardwebhooks libraries do the same). `body` is the raw body, before parsing.
 */
export function verifyWebhook(
  secret: string, headers: Readonly<Record<string, string | string[] | undefined>>, body: string,
  options: { readonly toleranceSec?: number; readonly nowSec?: number } = {},
): boolean {
  const header = (name: string) => {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
    const value = key === undefined ? undefined : headers[key];
    return Array.isArray(value) ? value[0] : value;
  };
  const id = header('webhook-id');
  const timestamp = header('webhook-timestamp');
  const signatures = header('webhook-signature');
  if (!id || !timestamp || !signatures || !/^\d+$/.test(timestamp)) return false;
  const nowSec = options.nowSec ?? Math.floor(Date.now() / 1000);
  if (Math.abs(nowSec - Number(timestamp)) > (options.toleranceSec ?? DEFAULT_TOLERANCE_SEC)) return false;
  const expected = Buffer.from(hmac(signingKey(secret), { id, timestampSec: Number(timestamp), body }));
  return signatures.split(' ').some((versioned) => {
    const [version, signature] = versioned.split(',', 2);
    const given = Buffer.from(signature ?? '');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/**
 * The HMAC key of a `whsec_` secret. Both base64 alphabets decode here: ifthen 0.1 generated its secret
 * in base64url; the reference libraries need standard base64, which `signingSecretProblem` insists on.
 */
function signingKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : null;
  const key = encoded !== null && /^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded) ? Buffer.from(encoded, 'base64') : null;
  if (!key || key.length < SECRET_MIN_BYTES) {
    throw new Error(`not a signing secret: expected "${SECRET_PREFIX}" and the base64 of at least ${SECRET_MIN_BYTES} bytes`);
  }
  return key;
}

function hmac(key: Buffer, message: SignedMessage): string {
  return createHmac('sha256', key).update(`${message.id}.${message.timestampSec}.${message.body}`).digest('base64');
}
