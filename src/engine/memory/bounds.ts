// The bound on a subject's whole memory (MEMORY.md "State and its bounds"): past it, the oldest items of the
// largest entry go first (pending instances first, then window and step events), until it fits.
import type { Suppression } from '../types.ts';
import type { Instance, RuleEntry } from './entry.ts';

export interface Trimmed {
  readonly memory: Record<string, unknown> | undefined;
  readonly cancelled: string[];
  readonly suppressions: Suppression[];
}

export function boundMemory(memory: Record<string, unknown> | undefined, maxBytes: number, subject: string, at: number): Trimmed {
  const trimmed: Trimmed = { memory, cancelled: [], suppressions: [] };
  if (!memory) return trimmed;
  let size = JSON.stringify(memory).length;
  if (size <= maxBytes) return trimmed;
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(memory)) out[key] = memory[key];
  const sizes = new Map<string, number>();
  for (const key of Object.keys(out)) sizes.set(key, JSON.stringify(out[key]).length);
  while (size > maxBytes && sizes.size) {
    let largest = '';
    for (const [key, n] of sizes) if (!largest || n > sizes.get(largest)!) largest = key;
    const entry = out[largest] as Partial<RuleEntry> & { h?: number[] };
    const copy = dropOldest(entry, largest, subject, at, trimmed);
    const before = sizes.get(largest)!;
    if (copy === undefined) { delete out[largest]; sizes.delete(largest); size -= before; continue; }
    out[largest] = copy;
    const after = JSON.stringify(copy).length;
    sizes.set(largest, after);
    size -= before - after;
  }
  return { ...trimmed, memory: Object.keys(out).length ? out : undefined };
}

/** The entry without its oldest item; undefined when nothing is left to drop. */
function dropOldest(entry: Partial<RuleEntry> & { h?: number[] }, key: string, subject: string, at: number, trimmed: Trimmed): Record<string, unknown> | undefined {
  const copy: Record<string, unknown> = { ...entry };
  const n = ((entry.n as number | undefined) ?? 0) + 1;
  if (entry.i?.length) {
    let oldest = 0;
    entry.i.forEach((x, i) => { if (x.a.t < entry.i![oldest].a.t) oldest = i; });
    const dropped: Instance = entry.i[oldest];
    copy.i = entry.i.filter((_, i) => i !== oldest);
    trimmed.cancelled.push(dropped.id);
    trimmed.suppressions.push({ ruleId: key, subject, reason: 'overflow', eventId: dropped.a.id, at, detail: `the subject's memory is over its bound (IFTHEN_MAX_SUBJECT_MEMORY_BYTES); the oldest pending ${dropped.kind} (${dropped.a.id}) was dropped` });
    return { ...copy, n };
  }
  const lists: Array<[string, unknown[]]> = [];
  if (entry.w?.length) lists.push(['w', entry.w as unknown[]]);
  if (entry.q?.length) lists.push(['q', entry.q]);
  if (entry.b?.length) lists.push(['b', entry.b]);
  if (entry.d?.length) lists.push(['d', entry.d as unknown[]]);
  if (entry.h?.length) lists.push(['h', entry.h]);
  if (entry.s?.some((l) => l.length)) {
    const s = entry.s.map((l) => l.slice());
    const longest = s.reduce((best, l, i) => (l.length > s[best].length ? i : best), 0);
    s[longest].shift();
    return { ...copy, s, n };
  }
  if (!lists.length) return undefined;
  const [field, list] = lists.reduce((best, l) => (l[1].length > best[1].length ? l : best));
  copy[field] = list.slice(1);
  return 'shape' in entry ? { ...copy, n } : copy;
}
