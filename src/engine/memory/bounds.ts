// The bound on a subject's whole memory (MEMORY.md "State and its bounds"): past it, the oldest items of the
// largest entry go first (pending instances first, then window and step events), until it fits.
import type { Suppression } from '../types.ts';
import type { Instance, RuleEntry } from './entry.ts';

export interface Trimmed {
  readonly memory: Record<string, unknown> | undefined;
  readonly cancelled: string[];
  readonly suppressions: Suppression[];
}

/**
 * The bound is checked without measuring the whole memory on every step: a memory object's JSON length is
 * cached (memories are never changed once made), and a step adds an upper bound of what it added (the
 * sizes of the items it inserted, each measured once). Only when that estimate passes the bound is the new
 * memory measured exactly, and trimmed when it is really over. The decision is the same as measuring every
 * time: the estimate is never below the exact length.
 */
const sizes = new WeakMap<object, number>();

/** JSON length of an item put into memory (+1 for its comma), measured once per object. */
export function itemSize(item: unknown): number {
  if (typeof item === 'number') return 14;
  if (item === null || typeof item !== 'object') return JSON.stringify(item ?? null).length + 1;
  let size = sizes.get(item);
  if (size === undefined) { size = JSON.stringify(item).length + 1; sizes.set(item, size); }
  return size;
}

/** The exact JSON length of a memory, cached. */
export function memorySize(memory: Readonly<Record<string, unknown>> | undefined): number {
  if (!memory) return 0;
  let size = sizes.get(memory);
  if (size === undefined) { size = JSON.stringify(memory).length; sizes.set(memory, size); }
  return size;
}

/** `estimate`: an upper bound of the memory's length (the previous memory's plus what the step added). */
export function boundMemory(memory: Record<string, unknown> | undefined, maxBytes: number, subject: string, at: number, estimate = Infinity): Trimmed {
  const trimmed: Trimmed = { memory, cancelled: [], suppressions: [] };
  if (!memory) return trimmed;
  if (estimate <= maxBytes) { sizes.set(memory, estimate); return trimmed; }
  let size = memorySize(memory);
  if (size <= maxBytes) return trimmed;
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(memory)) out[key] = memory[key];
  const lengths = new Map<string, number>();
  for (const key of Object.keys(out)) lengths.set(key, JSON.stringify(out[key]).length);
  while (size > maxBytes && lengths.size) {
    let largest = '';
    for (const [key, n] of lengths) if (!largest || n > lengths.get(largest)!) largest = key;
    const entry = out[largest] as Partial<RuleEntry> & { h?: number[] };
    const copy = dropOldest(entry, largest, subject, at, trimmed);
    const before = lengths.get(largest)!;
    if (copy === undefined) { delete out[largest]; lengths.delete(largest); size -= before + largest.length + 4; continue; }
    out[largest] = copy;
    const after = JSON.stringify(copy).length;
    lengths.set(largest, after);
    size -= before - after;
  }
  const result = Object.keys(out).length ? out : undefined;
  if (result) sizes.set(result, JSON.stringify(result).length);
  return { ...trimmed, memory: result };
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
