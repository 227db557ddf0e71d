// What a backtest says about the days ahead: firings a day over the days it covered, and the messages they make
// (webhook, chat and email actions; emit, set and log send nothing out), less the holdout's share.
import type { Doc } from './path.ts';

export interface BacktestAnswer {
  rule: { id: string; version: number | null };
  requested: { from: string; to: string };
  covered: { from: string; to: string } | null;
  events: number; firings: number; subjects: number; late: number;
  suppressions: Record<string, number>;
  perDay: Array<{ day: string; firings: number }>;
  sample: Array<{ id: string; subject: string; time: string; eventIds: string[] }>;
  errors: { count: number; first: string[] };
  warnings: string[];
  emitsNotFedBack: number;
}

export function estimate(result: BacktestAnswer, doc: Doc): { perDay: number; messagesPerDay: number; days: number } | undefined {
  if (!result.covered || result.events === 0) return undefined;
  const span = Date.parse(result.covered.to) - Date.parse(result.covered.from);
  const days = Math.max(span / 86_400_000, 1 / 24);
  const messageActions = (Array.isArray(doc.then) ? doc.then : []).filter((a) => a && typeof a === 'object' && !Array.isArray(a) && ('webhook' in a || 'chat' in a || 'email' in a)).length;
  // A span under a day is scaled to a day ("about 40 a day" from 10 in six hours); the page names the span.
  const perDay = result.firings / days;
  // Held-out subjects' firings send nothing: the messages are the treatment's share.
  const holdout = doc.holdout && typeof doc.holdout === 'object' && !Array.isArray(doc.holdout) && typeof doc.holdout.percent === 'number' ? doc.holdout.percent : 0;
  return { perDay, messagesPerDay: perDay * messageActions * (1 - holdout / 100), days };
}

/** The last seven days up to now, as the backtest endpoints take them. */
export function lastWeek(now = Date.now()): { from: string; to: string } {
  return { from: new Date(now - 7 * 86_400_000).toISOString(), to: new Date(now).toISOString() };
}
