// Readable output for people: aligned tables, short times, compact JSON, truncated cells.

/** One cell as text: nothing is "-", strings as they are, everything else as compact JSON. */
export function cell(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Columns aligned with two spaces; the last column is not padded. An empty table says so. */
export function table(headers: readonly string[], rows: readonly (readonly unknown[])[], empty = '(none)'): string {
  if (!rows.length) return empty;
  const text = [headers.map(String), ...rows.map((row) => row.map((value) => oneLine(cell(value))))];
  const widths = headers.map((_, i) => Math.max(...text.map((row) => (row[i] ?? '').length)));
  return text.map((row) => row.map((value, i) => (i === row.length - 1 ? value : value.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}

/** `key: value` lines with the keys aligned. */
export function fields(pairs: readonly (readonly [string, unknown])[]): string {
  const width = Math.max(...pairs.map(([key]) => key.length)) + 1;
  return pairs.map(([key, value]) => `${`${key}:`.padEnd(width)} ${cell(value)}`).join('\n');
}

/** `2024-05-01T12:03:04.123Z` → `2024-05-01 12:03:04Z`. */
export function time(iso: unknown): string {
  if (typeof iso !== 'string') return cell(iso);
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

export function compact(value: unknown, max = 80): string {
  return truncate(JSON.stringify(value) ?? '', max);
}

export function plural(count: number, word: string, words = `${word}s`): string {
  return `${count} ${count === 1 ? word : words}`;
}

/** Indents every line of a block. */
export function indent(text: string, by = '  '): string {
  return text.split('\n').map((line) => by + line).join('\n');
}
