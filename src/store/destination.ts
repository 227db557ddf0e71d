// The destination key of a delivery: what per-destination concurrency limits are counted by.
import type { DeliveryKind } from '../engine/types.ts';

export function deliveryDestination(kind: DeliveryKind, spec: Readonly<Record<string, unknown>>): string {
  if (kind === 'email') return 'smtp';
  if (kind === 'log') return 'log';
  const url = String(spec.url ?? '');
  // The host may be templated; the static part before any template is what we can know now.
  const match = /^[a-z]+:\/\/([^/?#{]+)/i.exec(url);
  return match ? match[1].toLowerCase() : 'unknown';
}
