// Threshold triggers (count, sum, distinct) over a sliding window of event time, fired once per episode
// (MEMORY.md "threshold"). f(T) aggregates the entries with T - W < τ ≤ T; an episode is a maximal interval
// where f ≥ at_least. Contributions are ≥ 0, so an arrival only grows and merges episodes, and a firing
// point, once inside an episode, stays inside it whatever arrives later (within the lateness).
import type { CompiledThreshold } from '../rule/compile.ts';
import { insertSorted, type RuleEntry, type WindowEntry } from './entry.ts';

/** [a, b): an episode. */
export type Episode = readonly [number, number];

/** The aggregate of the entries in (T - W, T]: count, sum, distinct and the value the bound applies to. */
export interface WindowValue {
  readonly count: number;
  readonly sum: number;
  readonly distinct: number;
  readonly value: number;
}

export function valueAt(th: CompiledThreshold, w: readonly WindowEntry[], T: number): WindowValue {
  let count = 0;
  let sum = 0;
  const values = new Set<string | number>();
  for (const [t, v] of w) {
    if (t > T) break;
    if (t <= T - th.withinMs) continue;
    count++;
    if (typeof v === 'number') sum += v;
    values.add(v);
  }
  const distinct = th.kind === 'distinct' ? values.size : count;
  return { count, sum, distinct, value: th.kind === 'count' ? count : th.kind === 'sum' ? sum : distinct };
}

/** The running aggregate of a sweep over the window entries (a class, not closures: this runs on every arrival). */
class Sweep {
  count = 0;
  sum = 0;
  readonly distinct: Map<string | number, number> | undefined;

  constructor(readonly th: CompiledThreshold, readonly w: readonly WindowEntry[]) {
    this.distinct = th.kind === 'distinct' ? new Map() : undefined;
  }

  add(v: number | string): void {
    this.count++;
    if (typeof v === 'number') this.sum += v;
    if (this.distinct) this.distinct.set(v, (this.distinct.get(v) ?? 0) + 1);
  }

  remove(v: number | string): void {
    this.count--;
    if (typeof v === 'number') this.sum -= v;
    if (this.distinct) { const c = this.distinct.get(v)! - 1; if (c) this.distinct.set(v, c); else this.distinct.delete(v); }
  }

  /** Whether f ≥ bound for the active entries [exit, enter); a sum near the bound is added up again in order, so no drift decides. */
  reached(exit: number, enter: number): boolean {
    const bound = this.th.atLeast;
    if (this.th.kind === 'count') return this.count >= bound;
    if (this.distinct) return this.distinct.size >= bound;
    if (Math.abs(this.sum - bound) > 1e-9 * Math.max(1, Math.abs(bound))) return this.sum >= bound;
    let exact = 0;
    for (let i = exit; i < enter; i++) { const v = this.w[i][1]; if (typeof v === 'number') exact += v; }
    this.sum = exact;
    return exact >= bound;
  }
}

/** The episodes over T ≥ from, in order (the first clamped to start at `from`). */
export function episodes(th: CompiledThreshold, w: readonly WindowEntry[], from: number): Episode[] {
  const W = th.withinMs;
  const out: Episode[] = [];
  const n = w.length;
  const sweep = new Sweep(th, w);
  let enter = 0; // next entry to enter: entered when T ≥ τ
  let exit = 0; // next entry to leave: left when T ≥ τ + W
  while (enter < n && w[enter][0] <= from) sweep.add(w[enter++][1]);
  while (exit < enter && w[exit][0] + W <= from) sweep.remove(w[exit++][1]);
  let start: number | undefined = sweep.reached(exit, enter) ? from : undefined;
  for (;;) {
    const nextEnter = enter < n ? w[enter][0] : Infinity;
    const nextExit = exit < enter ? w[exit][0] + W : Infinity;
    const T = nextEnter < nextExit ? nextEnter : nextExit;
    if (T === Infinity) break;
    while (exit < enter && w[exit][0] + W <= T) sweep.remove(w[exit++][1]);
    while (enter < n && w[enter][0] <= T) sweep.add(w[enter++][1]);
    const on = sweep.reached(exit, enter);
    if (on && start === undefined) start = T;
    else if (!on && start !== undefined) { out.push([start, T]); start = undefined; }
  }
  if (start !== undefined) out.push([start, Infinity]); // cannot happen: every entry leaves
  return out;
}

/**
 * Moves the knowledge edge to `K` (no event with τ < K can arrive any more): a firing point before K is
 * moved to K when its episode lasts until K, else dropped (its episode is over for good); entries that
 * cannot count at any T ≥ K are dropped.
 */
export function advance(th: CompiledThreshold, entry: RuleEntry, K: number): void {
  const k = entry.k;
  if (k !== undefined && K <= k) return;
  // Firing points are sorted and distinct: when none is before K, they all stay as they are (no sweep needed).
  if (entry.fp?.length && entry.fp[0] >= K) {
    // nothing to move
  } else if (k !== undefined && entry.fp?.length && entry.w) {
    const eps = episodes(th, entry.w, k);
    const points = new Set<number>();
    for (const p of entry.fp) {
      if (p >= K) { points.add(p); continue; }
      const ep = eps.find(([a, b]) => a <= p && p < b);
      // An episode ending exactly at K still continues if an event with τ = K arrives: keep its point at K.
      if (ep && ep[1] >= K) points.add(K);
    }
    entry.fp = [...points].sort((a, b) => a - b);
  } else if (entry.fp) {
    entry.fp = entry.fp.filter((p) => p >= K);
  }
  if (entry.w) {
    let drop = 0;
    while (drop < entry.w.length && entry.w[drop][0] <= K - th.withinMs) drop++;
    if (drop) entry.w.splice(0, drop);
  }
  entry.k = K;
}

export interface Completion {
  /** The episode's start (≥ the knowledge edge). */
  readonly start: number;
  /** Where the firing's window is read: max(start, τ of the event). */
  readonly at: number;
}

/**
 * Adds an entry (τ, contribution, id) and returns the episodes it completes: those meeting [τ, τ + W)
 * that hold no firing point yet. Their points are recorded (a completion is one whether or not a limit stops it).
 */
export function arrive(th: CompiledThreshold, entry: RuleEntry, item: WindowEntry, maxEntries: number): Completion[] {
  const w = (entry.w ??= []);
  insertSorted(w, item, entryTime, entryId);
  if (w.length > maxEntries) { w.splice(0, w.length - maxEntries); entry.n = (entry.n ?? 0) + 1; }
  const fp = (entry.fp ??= []);
  const t = item[0];
  const completions: Completion[] = [];
  for (const [a, b] of episodes(th, w, entry.k ?? t)) {
    if (b <= t || a >= t + th.withinMs) continue;
    if (hasPointIn(fp, a, b)) continue;
    fp.push(a);
    completions.push({ start: a, at: Math.max(a, t) });
  }
  if (completions.length) fp.sort((x, y) => x - y);
  return completions;
}

const entryTime = (x: WindowEntry) => x[0];
const entryId = (x: WindowEntry) => x[2];

function hasPointIn(points: readonly number[], a: number, b: number): boolean {
  for (const p of points) if (a <= p && p < b) return true;
  return false;
}
