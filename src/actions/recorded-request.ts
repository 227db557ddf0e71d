// The stored form of what an attempt sent: every secret value redacted, and the body, the URL and each
// header value cut to their first KiB (safely: never half a secret). Signature headers stay as sent.
import type { SentRequest } from '../store/contracts.ts';
import { redactedPrefix, type Redactor } from './redact/redactor.ts';

export const RECORDED_TEXT_BYTES = 1024;

export function recordedRequest(sent: SentRequest, redact: Redactor): SentRequest {
  const cut = (text: string) => redactedPrefix(text, RECORDED_TEXT_BYTES, redact).text;
  const headers: Record<string, string> = {};
  for (const name of Object.keys(sent.headers)) headers[name] = cut(sent.headers[name]);
  return { method: sent.method, url: cut(sent.url), headers, body: sent.body === null ? null : cut(sent.body), bodyBytes: sent.bodyBytes };
}
