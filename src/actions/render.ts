// Rendering an action's templates at send time, when secrets are at hand. A template that fails to
// render fails the same way on every attempt, so it is final.
import type { Delivery } from '../store/contracts.ts';
import { parseDuration } from '../engine/duration.ts';
import { NonRetriableError } from './errors.ts';

/** What templates see: the firing's context (event, subject, firing, now) and `secrets`. */
export function templateContext(delivery: Delivery, secrets: Readonly<Record<string, string>>): object {
  return { ...delivery.context, secrets };
}

/** Runs a render, turning a template error into a final failure that names the field. */
export function rendered<T>(field: string, render: () => T): T {
  try {
    return render();
  } catch (error) {
    throw new NonRetriableError(`${field}: template could not be rendered: ${(error as Error).message}`, { cause: error });
  }
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
