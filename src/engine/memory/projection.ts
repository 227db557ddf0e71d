// What memory keeps of an event (MEMORY.md "What memory keeps of an event"): a stored snapshot holds only the
// properties something can still read of it later — a condition evaluated again on it, the dedupe key, the
// actions' templates. Worked out once per rule when it is compiled; applied where a snapshot is stored, and to
// snapshots stored before (by an older engine or an older version of the rule) when their entry is rewritten.
import { PROJECTED, arrivalOf, makeSnap, type Instance, type RuleEntry, type Snap } from './entry.ts';
import type { TemplateSegment } from '../template-paths.ts';

/** The property names kept, or every property. */
export type Keep = 'all' | ReadonlySet<string>;

export interface Projection {
  /** Trigger events kept for later (pending sequence triggers, pending instances): read as `event` / `trigger`. */
  readonly trigger: Keep;
  /** Sequence step `i`'s events: read as `steps[i]`, and as `event` by a step `where` that reads `steps`. */
  readonly steps: readonly Keep[];
  /** Absence's cancelling events kept for triggers still to come: read as `event` by an `unless.where` that reads `trigger`. */
  readonly cancel: Keep;
}

/** A path read of an event object (after the variable: `properties`, `x`), or of the `steps` list (after `steps`). */
export type PathRest = readonly TemplateSegment[];

/** Collects the reads of one kind of stored event. */
export class KeepBuilder {
  #all = false;
  readonly #names = new Set<string>();

  all(): void {
    this.#all = true;
  }

  /**
   * A read of `<event>` followed by `rest`: `properties.x…` keeps `x`; `id`, `type`, `time`, `subject` keep
   * nothing (they are always kept); the whole event, the whole `properties`, a computed key, or `size` (which
   * liquidjs answers for an object with its number of keys) keep everything.
   */
  read(rest: PathRest): void {
    if (!rest.length) { this.#all = true; return; }
    const [first, second] = rest;
    if (first !== 'properties') {
      if (typeof first !== 'string') this.#all = true;
      return;
    }
    if (typeof second !== 'string' || second === 'size') { this.#all = true; return; }
    this.#names.add(second);
  }

  build(): Keep {
    return this.#all ? 'all' : this.#names;
  }
}

/** A read of `steps` followed by `rest`: `[i]…` is step i's; anything else (`first`, a loop, a computed index) reads every step. */
export function readSteps(steps: readonly KeepBuilder[], rest: PathRest): void {
  const index = rest.length ? asIndex(rest[0]) : undefined;
  if (index === undefined) { for (const s of steps) s.all(); return; }
  steps[index]?.read(rest.slice(1));
}

function asIndex(segment: TemplateSegment): number | undefined {
  const n = typeof segment === 'number' ? segment : typeof segment === 'string' && /^[0-9]+$/.test(segment) ? Number(segment) : NaN;
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/**
 * The snapshot with only the kept properties, in the small form (`makeSnap`); the same object when it is in that
 * form with nothing more. A snapshot stored whole by an earlier version (with `t`) is rewritten small.
 */
export function project(snap: Snap, keep: Keep): Snap {
  const p = snap.p;
  let extra = snap.t !== undefined || snap.r === snap.time;
  if (p && keep !== 'all') for (const key in p) if (!keep.has(key)) { extra = true; break; }
  if (p && !extra) { extra = true; for (const _ in p) { extra = false; break; } }
  if (!extra) return snap;
  if (keep === 'all' || !p) return makeSnap(snap.id, snap.type, snap.time, arrivalOf(snap), p, snap.d ?? 0);
  let kept: Record<string, unknown> | undefined;
  for (const key of keep) {
    if (Object.prototype.hasOwnProperty.call(p, key)) {
      kept ??= {};
      // defineProperty: a kept key may be `__proto__`, which plain assignment would not store as data.
      Object.defineProperty(kept, key, { value: p[key], enumerable: true, writable: true, configurable: true });
    }
  }
  return makeSnap(snap.id, snap.type, snap.time, arrivalOf(snap), kept, snap.d ?? 0);
}

function projectList(list: Snap[] | undefined, keep: Keep): void {
  if (!list) return;
  for (let i = 0; i < list.length; i++) list[i] = project(list[i], keep);
}

/**
 * Projects the snapshots an entry already holds (stored before this rule's projection, or by an engine without
 * one): called when the entry is about to be rewritten, on the entry's own (copied or owned) lists.
 */
export function projectEntry(projection: Projection, entry: RuleEntry): void {
  // Snapshots stored since are projected as they are stored.
  if (entry[PROJECTED] === projection) return;
  entry[PROJECTED] = projection;
  if (entry.s) entry.s.forEach((list, i) => projectList(list, projection.steps[i] ?? 'all'));
  projectList(entry.q, projection.trigger);
  projectList(entry.b, projection.cancel);
  const instances = entry.i;
  if (instances) {
    for (let i = 0; i < instances.length; i++) {
      const x = instances[i];
      const a = project(x.a, projection.trigger);
      const steps = x.x?.steps;
      let projectedSteps: Snap[] | undefined;
      if (steps) {
        for (let j = 0; j < steps.length; j++) {
          const s = project(steps[j], projection.steps[j] ?? 'all');
          if (s !== steps[j]) (projectedSteps ??= steps.slice())[j] = s;
        }
      }
      if (a !== x.a || projectedSteps) instances[i] = { ...x, a, ...(projectedSteps ? { x: { ...x.x, steps: projectedSteps } } : {}) } as Instance;
    }
  }
}
