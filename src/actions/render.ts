// What every renderer shares: the template context, the error that names the field, the size caps, and
// the action's timeout. A template that fails to render (or goes over its render budget) fails the same
// way on every attempt: it is final.
import type { Delivery } from '../store/contracts.ts';
import { parseDuration } from '../engine/duration.ts';
import { RenderLimitError } from '../engine/render-limits.ts';
import { NonRetriableError } from './errors.ts';

/** Caps on each field one delivery action renders to; past them the attempt is dead (it would be every time). */
export interface FieldSizeLimits {
  /** A request body, an email's text or HTML part, a log line. */
  readonly maxBodyBytes: number;
  /** Each header value, the URL, an email's to, from and subject. */
  readonly maxHeaderBytes: number;
}

export const DEFAULT_FIELD_SIZE_LIMITS: FieldSizeLimits = { maxBodyBytes: 256 * 1024, maxHeaderBytes: 8 * 1024 };

/** What templates see: the firing's context (event, subject, firing, now) and `secrets`. */
export function templateContext(delivery: Delivery, secrets: Readonly<Record<string, string>>): object {
  return { ...delivery.context, secrets };
}

/** Runs a render, turning a template error into a final failure that names the field; then checks the size. */
export function rendered(field: string, maxBytes: number, render: () => string): string {
  let text: string;
  try {
    text = render();
  } catch (error) {
    if (error instanceof RenderLimitError) throw new NonRetriableError(`${field}: ${error.message}`, { cause: error });
    throw new NonRetriableError(`${field}: template could not be rendered: ${(error as Error).message}`, { cause: error });
  }
  const size = Buffer.byteLength(text);
  if (size > maxBytes) throw new NonRetriableError(`${field}: rendered to ${kib(size)}, more than the ${kib(maxBytes)} limit`);
  return text;
}

/**
 * The action's own `timeout` (a duration like "5s"), else the dispatcher default; never more than
 * `maxMs`, so an attempt always ends while its lease still holds.
 */
export function actionTimeout(timeout: unknown, limits: { readonly defaultTimeoutMs: number; readonly maxTimeoutMs: number }): number {
  if (typeof timeout !== 'string') return Math.min(limits.defaultTimeoutMs, limits.maxTimeoutMs);
  try {
    return Math.min(parseDuration(timeout), limits.maxTimeoutMs);
  } catch (error) {
    throw new NonRetriableError(`timeout: ${(error as Error).message}`);
  }
}

/** A row that waited in the dispatcher's local queue has less of its lease left: the attempt ends within it. */
export function withinDeadline(timeoutMs: number, scope: { readonly deadline?: number; now(): number }): number {
  return scope.deadline === undefined ? timeoutMs : Math.max(1, Math.min(timeoutMs, scope.deadline - scope.now()));
}

function kib(bytes: number): string {
  return bytes < 1024 ? `${bytes} bytes` : `${Math.round((bytes / 1024) * 10) / 10} KiB`;
}
