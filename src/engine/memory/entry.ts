// What a rule with memory keeps per subject, as JSON (SubjectState.memory), and the copy-on-write draft a
// step works on: the input state is never changed, only the entries a step touches are copied.

/**
 * An event as memory keeps it: enough to bind `steps`, `trigger`, and to render a timer's firing. Stored small
 * (MEMORY.md "What memory keeps of an event"): read τ, the arrival and the properties with `tauOf`, `arrivalOf`
 * and `propertiesOf`, which also read snapshots stored whole by earlier versions (with `t`, `r` and `p` always).
 */
export interface Snap {
  readonly id: string;
  readonly type: string;
  readonly time: number;
  /** τ: the effective time; absent in new snapshots (it is min(time, r)). */
  readonly t?: number;
  /** r: the arrival time; absent when it is `time`. */
  readonly r?: number;
  /** The kept properties; absent when none. */
  readonly p?: Readonly<Record<string, unknown>>;
  /** Emit depth, when not 0. */
  readonly d?: number;
}

const NO_PROPERTIES: Readonly<Record<string, unknown>> = Object.freeze({});

/** τ(e) = min(time, r). */
export function tauOf(snap: Snap): number {
  if (snap.t !== undefined) return snap.t;
  const r = snap.r;
  return r !== undefined && r < snap.time ? r : snap.time;
}

export function arrivalOf(snap: Snap): number {
  return snap.r ?? snap.time;
}

export function propertiesOf(snap: Snap): Readonly<Record<string, unknown>> {
  return snap.p ?? NO_PROPERTIES;
}

/** The snapshot of an event as stored: `r` only when it differs from `time`, `p` only when it has properties. */
export function makeSnap(id: string, type: string, time: number, r: number, p: Readonly<Record<string, unknown>> | undefined, depth: number): Snap {
  let kept: Snap['p'];
  if (p) for (const _ in p) { kept = p; break; }
  // Every field present (undefined ones are left out of JSON): one object shape for every snapshot made here.
  return { id, type, time, t: undefined, r: r !== time ? r : undefined, p: kept, d: depth || undefined };
}

/** A threshold window entry: τ, the contribution (1, a number ≥ 0, or a value as JSON), the event id. */
export type WindowEntry = readonly [t: number, v: number | string, id: string];

/** What a firing from a timer needs besides the trigger event. */
export interface InstanceExtra {
  readonly window?: Readonly<Record<string, unknown>>;
  readonly steps?: readonly Snap[];
  readonly change?: Readonly<Record<string, unknown>>;
  readonly ids?: readonly string[];
}

/** A pending instance: an absence or a wait (cancellable), or a firing held by quiet hours. */
export interface Instance {
  readonly kind: 'unless' | 'wait' | 'quiet';
  /** The timer id. */
  readonly id: string;
  /** The firing's trigger key (the trigger event id, or a threshold's completion key). */
  readonly key: string;
  readonly a: Snap;
  readonly due: number;
  /** The cancel window's end (absence): a matching event with τ(A) ≤ τ ≤ dl cancels. */
  readonly dl?: number;
  readonly x?: InstanceExtra;
}

/** One rule's memory for one subject. Short keys: it is stored for every subject. */
export interface RuleEntry {
  shape: string;
  /** The knowledge edge at the last step: r - L (no future event has τ below it). */
  k?: number;
  /** Threshold window entries, sorted by (τ, id). */
  w?: WindowEntry[];
  /** Threshold firing points: one in each episode that has completed (clamped to `k` while it lasts). */
  fp?: number[];
  /** Sequence: each step's events, sorted by (τ, id). */
  s?: Snap[][];
  /** Sequence: trigger events without a chain yet. */
  q?: Snap[];
  /** Absence: cancelling events kept for triggers that may still arrive (B before A). */
  b?: Snap[];
  /** Pending instances. */
  i?: Instance[];
  /** Firing times t_f that passed limits 1–4 (per_subject). */
  h?: number[];
  /** Dedupe keys and their firing times. */
  d?: Array<readonly [string, number]>;
  /** Entries dropped by the bounds, counted. */
  n?: number;
  [PROJECTED]?: object;
}

export interface GroupEntry {
  /** The subject's firing times of the group's rules. */
  h: number[];
}

export type Memory = Readonly<Record<string, unknown>>;

/**
 * The projection an entry's snapshots are known to be in (memory/projection.ts), so that they are walked once,
 * not on every step. A symbol: JSON does not see it, so an entry loaded from its text is walked once again.
 */
export const PROJECTED: unique symbol = Symbol('projected');

function cloneEntry(entry: RuleEntry): RuleEntry {
  const copy: RuleEntry = { shape: entry.shape };
  if (entry[PROJECTED]) copy[PROJECTED] = entry[PROJECTED];
  if (entry.k !== undefined) copy.k = entry.k;
  if (entry.w) copy.w = entry.w.slice();
  if (entry.fp) copy.fp = entry.fp.slice();
  if (entry.s) copy.s = entry.s.map((list) => list.slice());
  if (entry.q) copy.q = entry.q.slice();
  if (entry.b) copy.b = entry.b.slice();
  if (entry.i) copy.i = entry.i.slice();
  if (entry.h) copy.h = entry.h.slice();
  if (entry.d) copy.d = entry.d.slice();
  if (entry.n) copy.n = entry.n;
  return copy;
}

/** A new entry with every field present (undefined ones are left out of JSON): one object shape for all entries changed in place. */
function emptyEntry(shape: string): RuleEntry {
  return { shape, k: undefined, w: undefined, fp: undefined, s: undefined, q: undefined, b: undefined, i: undefined, h: undefined, d: undefined, n: undefined };
}

/**
 * The memory being changed by one step: entries are copied when first touched. With `inPlace` (a replay that
 * owns its states, EngineOptions.memoryInPlace) the stored entries are changed as they are, and `result()`
 * gives back the same memory object, with empty entries removed and empty lists left out as `compact` does.
 */
export class MemoryDraft {
  readonly #base: Memory | undefined;
  readonly #touched = new Map<string, RuleEntry | GroupEntry>();
  readonly #inPlace: boolean;
  /** In place: the memory object entries are written to (the base, or a new one when there was none). */
  #own: Record<string, unknown> | undefined;
  changed = false;
  /** An upper bound of the JSON length this step added (see bounds.ts). */
  added = 0;

  get base(): Memory | undefined {
    return this.#base;
  }

  /** Counts `bytes` put into memory by this step. */
  grow(bytes: number): void {
    this.added += bytes;
  }

  constructor(base: Memory | undefined, inPlace = false) {
    this.#base = base;
    this.#inPlace = inPlace;
  }

  #target(): Record<string, unknown> {
    return (this.#own ??= (this.#base as Record<string, unknown> | undefined) ?? {});
  }

  /** The rule's entry, fresh when there is none or its shape changed; undefined with `peek` when there is none. */
  rule(ruleId: string, shape: string): RuleEntry {
    const touched = this.#touched.get(ruleId) as RuleEntry | undefined;
    if (touched) return touched;
    const stored = this.#base?.[ruleId] as RuleEntry | undefined;
    const same = stored !== undefined && stored.shape === shape;
    const entry = same ? (this.#inPlace ? stored : cloneEntry(stored)) : { shape };
    this.#touched.set(ruleId, entry);
    if (this.#inPlace && !same) this.#target()[ruleId] = entry;
    this.changed = true;
    // A new entry's key and shape, and room for the small fields (`k`, `n`, empty lists) any entry may gain.
    this.added += (same ? 0 : ruleId.length + shape.length + 16) + 128;
    return entry;
  }

  /** The stored entry, read only, if it has this shape. */
  peek(ruleId: string, shape: string): RuleEntry | undefined {
    const entry = (this.#touched.get(ruleId) ?? this.#base?.[ruleId]) as RuleEntry | undefined;
    return entry && entry.shape === shape ? entry : undefined;
  }

  group(name: string): GroupEntry {
    const key = `group:${name}`;
    let entry = this.#touched.get(key) as GroupEntry | undefined;
    if (!entry) {
      const stored = this.#base?.[key] as GroupEntry | undefined;
      if (this.#inPlace) {
        entry = stored ?? { h: [] };
        if (!stored) this.#target()[key] = entry;
      } else entry = { h: stored?.h ? stored.h.slice() : [] };
      this.#touched.set(key, entry);
      this.changed = true;
      if (!stored) this.added += key.length + 16;
    }
    return entry;
  }

  peekGroup(name: string): GroupEntry | undefined {
    const key = `group:${name}`;
    return (this.#touched.get(key) ?? this.#base?.[key]) as GroupEntry | undefined;
  }

  /** The new memory: untouched entries as they were, touched ones as changed, empty ones removed. */
  result(): Record<string, unknown> | undefined {
    if (this.#inPlace) {
      const out = this.#target();
      for (const [key, entry] of this.#touched) {
        if (isEmpty(entry)) delete out[key];
        else compactInPlace(entry);
      }
      for (const _ in out) return out;
      return undefined;
    }
    // A plain object (a null prototype would make it a slow dictionary): keys are rule ids and `group:<name>`,
    // whose pattern cannot spell `__proto__`.
    const out: Record<string, unknown> = {};
    if (this.#base) for (const key in this.#base) out[key] = this.#base[key];
    for (const [key, entry] of this.#touched) {
      if (isEmpty(entry)) delete out[key];
      else out[key] = compact(entry);
    }
    return Object.keys(out).length ? out : undefined;
  }
}

function isEmpty(entry: RuleEntry | GroupEntry): boolean {
  if (!('shape' in entry)) return !entry.h.length;
  return !entry.w?.length && !entry.fp?.length && !entry.s?.some((l) => l.length) && !entry.q?.length && !entry.b?.length
    && !entry.i?.length && !entry.h?.length && !entry.d?.length && !entry.n;
}

/** Empty lists left out: the stored JSON stays small. */
function compact(entry: RuleEntry | GroupEntry): RuleEntry | GroupEntry {
  if (!('shape' in entry)) return entry;
  const out: RuleEntry = { shape: entry.shape };
  if (entry[PROJECTED]) out[PROJECTED] = entry[PROJECTED];
  if (entry.k !== undefined && (entry.w?.length || entry.fp?.length)) out.k = entry.k;
  if (entry.w?.length) out.w = entry.w;
  if (entry.fp?.length) out.fp = entry.fp;
  if (entry.s?.some((l) => l.length)) out.s = entry.s;
  if (entry.q?.length) out.q = entry.q;
  if (entry.b?.length) out.b = entry.b;
  if (entry.i?.length) out.i = entry.i;
  if (entry.h?.length) out.h = entry.h;
  if (entry.d?.length) out.d = entry.d;
  if (entry.n) out.n = entry.n;
  return out;
}

/**
 * `compact` on the entry itself: the same fields left out of its JSON, so the JSON (and its length) is the same.
 * Left out by setting them undefined, not by `delete`, which would turn the entry into a slow dictionary.
 */
function compactInPlace(entry: RuleEntry | GroupEntry): void {
  if (!('shape' in entry)) return;
  if (entry.k !== undefined && !(entry.w?.length || entry.fp?.length)) entry.k = undefined;
  if (entry.w?.length === 0) entry.w = undefined;
  if (entry.fp?.length === 0) entry.fp = undefined;
  if (entry.s && !entry.s.some((l) => l.length)) entry.s = undefined;
  if (entry.q?.length === 0) entry.q = undefined;
  if (entry.b?.length === 0) entry.b = undefined;
  if (entry.i?.length === 0) entry.i = undefined;
  if (entry.h?.length === 0) entry.h = undefined;
  if (entry.d?.length === 0) entry.d = undefined;
  if (entry.n === 0) entry.n = undefined;
}

/** Inserts keeping the list sorted by (τ, id); returns the index. */
export function insertSorted<T>(list: T[], item: T, t: (x: T) => number, id: (x: T) => string): number {
  let i = list.length;
  const ti = t(item);
  const ii = id(item);
  while (i > 0) {
    const prev = list[i - 1];
    const tp = t(prev);
    if (tp < ti || (tp === ti && id(prev) <= ii)) break;
    i--;
  }
  list.splice(i, 0, item);
  return i;
}
