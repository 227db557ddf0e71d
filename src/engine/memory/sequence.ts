// Sequence triggers (`after`): a trigger event has a chain when arrived, non-late events e1 … ek match the
// steps with τ(e1) ≤ … ≤ τ(ek) ≤ τ(e) and each gap within its step's `within` (MEMORY.md "sequence").
// The search binds the latest chain: latest ek, then the latest e(k-1) that fits, and so on.
import type { CompiledMemory } from '../rule/compile.ts';
import { tauOf, type Snap } from './entry.ts';

/** Checks a complete chain's conditions that read `steps` (step wheres, then the trigger's `where`). */
export type ChainCheck = (chain: readonly Snap[]) => boolean;

/** A partial chain search is bounded: past this many visited nodes it gives up (no chain). */
const MAX_VISITS = 100_000;

/** The latest chain for `trigger` over the stored step events, or undefined. */
export function findChain(m: CompiledMemory, s: readonly (readonly Snap[])[], trigger: Snap, check: ChainCheck | undefined): Snap[] | undefined {
  const steps = m.steps!;
  const k = steps.length;
  const chain: Snap[] = new Array(k);
  const failed = m.stepsDisjoint && !check ? new Set<string>() : undefined;
  let visits = 0;
  // Fill step j (from the last step back) given the next event in the chain.
  const fill = (j: number, next: Snap): boolean => {
    if (j < 0) return check ? check(chain) : true;
    const memo = failed ? `${j}\u0000${next.id}` : '';
    if (failed?.has(memo)) return false;
    const list = s[j] ?? [];
    const within = steps[j].withinMs;
    const tn = tauOf(next);
    for (let i = list.length - 1; i >= 0; i--) {
      const x = list[i];
      const tx = tauOf(x);
      if (tx > tn) continue;
      if (tn - tx > within) break;
      if (x.id === trigger.id || used(chain, j + 1, k, x.id)) continue;
      if (++visits > MAX_VISITS) return false;
      chain[j] = x;
      if (fill(j - 1, x)) return true;
    }
    failed?.add(memo);
    return false;
  };
  return fill(k - 1, trigger) ? chain.slice() : undefined;
}

function used(chain: readonly Snap[], from: number, to: number, id: string): boolean {
  for (let i = from; i < to; i++) if (chain[i].id === id) return true;
  return false;
}

/**
 * Drops what no chain can use any more given the knowledge edge K: step i's events older than K minus the
 * span from step i to the trigger, and pending triggers older than K.
 */
export function pruneSequence(m: CompiledMemory, s: Snap[][], q: Snap[] | undefined, K: number): Snap[] | undefined {
  const steps = m.steps!;
  let span = 0;
  for (let i = steps.length - 1; i >= 0; i--) {
    span += steps[i].withinMs;
    const list = s[i];
    if (!list?.length) continue;
    let drop = 0;
    while (drop < list.length && tauOf(list[drop]) < K - span) drop++;
    if (drop) list.splice(0, drop);
  }
  // Pending triggers are sorted by (τ, id): only a head can be older than K. Unchanged (no copy) when none is.
  if (!q?.length || tauOf(q[0]) >= K) return q;
  let drop = 1;
  while (drop < q.length && tauOf(q[drop]) < K) drop++;
  return q.slice(drop);
}
