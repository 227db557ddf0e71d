// Durations as rule authors write them ("500ms", "10m", "24h", "3d"), converted to milliseconds.

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export const DURATION_PATTERN = '^[0-9]+(ms|s|m|h|d|w)$';
const DURATION_RE = new RegExp(DURATION_PATTERN);

export function parseDuration(text: string): number {
  if (!DURATION_RE.test(text)) throw new Error(`"${text}" is not a duration like 500ms, 30s, 10m, 24h, 3d or 1w`);
  const unit = text.replace(/^[0-9]+/, '');
  return Number(text.slice(0, text.length - unit.length)) * UNIT_MS[unit];
}

/** Milliseconds as the shortest exact duration: 600000 → "10m", 90000 → "90s". */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
