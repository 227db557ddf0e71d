// The bound on a subject's whole memory (MEMORY.md "State and its bounds"): past it, the oldest items of the
// largest entry go first (pending instances first, then window and step events), until it fits.
import type { Suppression } from '../types.ts';
import { tauOf, type Instance, type RuleEntry, type Snap } from './entry.ts';

export interface Trimmed {
  readonly memory: Record<string, unknown> | undefined;
  readonly cancelled: readonly string[];
  readonly suppressions: readonly Suppression[];
}

interface Dropped {
  readonly cancelled: string[];
  readonly suppressions: Suppression[];
}

/**
 * The bound is checked without measuring the whole memory on every step: a memory object carries its JSON
 * length under a symbol (JSON and Object.keys do not see it; memories are never changed once made), and a
 * step adds an upper bound of what it inserted. Only when that estimate passes the bound is the new memory
 * measured exactly, and trimmed when it is really over. The decisions are the same as measuring every
 * time: the estimate is never below the exact length. (No WeakMap: millions of keys there cost the GC.)
 */
const SIZE = Symbol('json length');

const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** The JSON length of a string, quotes included. */
export function stringSize(text: string): number {
  return PLAIN.test(text) ? text.length + 2 : JSON.stringify(text).length;
}

/** A number as JSON, comma included: at most 24 characters. */
const NUMBER = 25;

/** Upper bound of a window entry's JSON length (comma included). */
export function windowEntrySize(entry: readonly [number, number | string, string]): number {
  return 4 + 2 * NUMBER + (typeof entry[1] === 'number' ? 0 : stringSize(entry[1])) + stringSize(entry[2]);
}

/** Upper bound of a snapshot's JSON length, given its properties' JSON length. */
export function snapSize(snap: Snap, propertiesSize: number = snap.p ? JSON.stringify(snap.p).length : 0): number {
  return 40 + stringSize(snap.id) + stringSize(snap.type) + 4 * NUMBER + propertiesSize;
}

/** Upper bound of a pending instance's JSON length; `aSize` is its trigger snapshot's. */
export function instanceSize(instance: Instance, aSize: number): number {
  let size = 60 + stringSize(instance.kind) + stringSize(instance.id) + stringSize(instance.key) + 2 * NUMBER + aSize;
  const x = instance.x;
  if (x) {
    size += 40;
    if (x.window) size += JSON.stringify(x.window).length;
    if (x.change) size += JSON.stringify(x.change).length;
    if (x.steps) for (const step of x.steps) size += snapSize(step) + 1;
    if (x.ids) for (const id of x.ids) size += stringSize(id) + 1;
  }
  return size;
}

/** The exact JSON length of a memory, kept on it once known. */
export function memorySize(memory: Readonly<Record<string, unknown>> | undefined): number {
  if (!memory) return 0;
  const known = (memory as { [SIZE]?: number })[SIZE];
  if (known !== undefined) return known;
  const size = JSON.stringify(memory).length;
  (memory as { [SIZE]?: number })[SIZE] = size;
  return size;
}

/**
 * Keeps on a memory just parsed its JSON length, known from the text it was parsed from (the store wrote that text
 * with JSON.stringify, so it is the exact length): the first step then needs no JSON.stringify to measure it.
 */
export function knownMemorySize<T extends Record<string, unknown>>(memory: T, length: number): T {
  // Not enumerable: the memory stays deep-equal to the one that was stored.
  Object.defineProperty(memory, SIZE, { value: length, writable: true, configurable: true, enumerable: false });
  return memory;
}

/** Forgets the length kept on a memory that is about to be changed in place (EngineOptions.memoryInPlace). */
export function forgetSize(memory: Readonly<Record<string, unknown>>): void {
  delete (memory as { [SIZE]?: number })[SIZE];
}

/** `estimate`: an upper bound of the memory's length (the previous memory's plus what the step added). */
const NONE: readonly never[] = [];

export function boundMemory(memory: Record<string, unknown> | undefined, maxBytes: number, subject: string, at: number, estimate = Infinity): Trimmed {
  if (!memory) return { memory, cancelled: NONE, suppressions: NONE };
  if (estimate <= maxBytes) { (memory as { [SIZE]?: number })[SIZE] = estimate; return { memory, cancelled: NONE, suppressions: NONE }; }
  let size = memorySize(memory);
  if (size <= maxBytes) return { memory, cancelled: NONE, suppressions: NONE };
  const trimmed: Dropped = { cancelled: [], suppressions: [] };
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
  if (result) (result as { [SIZE]?: number })[SIZE] = JSON.stringify(result).length;
  return { ...trimmed, memory: result };
}

/** The entry without its oldest item; undefined when nothing is left to drop. */
function dropOldest(entry: Partial<RuleEntry> & { h?: number[] }, key: string, subject: string, at: number, trimmed: Dropped): Record<string, unknown> | undefined {
  const copy: Record<string, unknown> = { ...entry };
  const n = ((entry.n as number | undefined) ?? 0) + 1;
  if (entry.i?.length) {
    let oldest = 0;
    entry.i.forEach((x, i) => { if (tauOf(x.a) < tauOf(entry.i![oldest].a)) oldest = i; });
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
