// The time range of a backtest as people write it: a day (`2026-11-01`, its 00:00 UTC) or an instant (ISO 8601).
// `from` is inclusive and `to` exclusive, so `--from 2026-11-01 --to 2026-11-08` is the seven days of that week.

export const DAY_MS = 86_400_000;

/** Epoch ms of a day or an instant; undefined when the text is neither. */
export function parseInstant(text: string): number | undefined {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : undefined;
  const value = day ?? (/^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : NaN);
  return Number.isFinite(value) ? value : undefined;
}

export interface TimeRange {
  readonly from: number;
  readonly to: number;
}

/** Validates a requested range; the message names the field and the reason. */
export function parseRange(from: string, to: string): TimeRange | { readonly error: string } {
  const start = parseInstant(from);
  if (start === undefined) return { error: `from: must be a day like 2026-11-01 or an ISO 8601 time, got "${from}"` };
  const end = parseInstant(to);
  if (end === undefined) return { error: `to: must be a day like 2026-11-08 or an ISO 8601 time, got "${to}"` };
  if (end <= start) return { error: `to: must be after from (${from})` };
  return { from: start, to: end };
}

/** `2026-11-03`: the UTC day of a time. */
export function dayOf(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/** The UTC day before the one `now` is in. */
export function yesterday(now: number): string {
  return dayOf(now - DAY_MS);
}
