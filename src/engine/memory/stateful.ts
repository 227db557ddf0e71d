// A rule with memory on one input (MEMORY.md): the trigger stage (match, threshold, sequence, change), the
// delay stage (unless, wait: instances and their timers), then limits 1–4 at t_f, then the firing. Runs on
// a MemoryDraft; rules without memory never come here (step.ts keeps their path as it was).
import type { LoggedEvent } from '../event.ts';
import type { CompiledExpression, CompiledRule, EventTypes } from '../rule/compile.ts';
import type {
  Clock, DecisionOutcome, EngineOptions, MemoryLimits, RuleDecision, RuleRunError, Suppression, SubjectState, TimerFire, TimerRequest, Trace,
} from '../types.ts';
import { CelEvent, type CelContext } from '../cel.ts';
import { ConditionMeter } from '../cel-budget.ts';
import { DEFAULT_CONDITION_LIMITS } from '../condition-limits.ts';
import { evaluateRule } from '../evaluate.ts';
import type { PlannedFiring } from '../plan.ts';
import { plan } from '../lazy-plan.ts';
import { timerId } from '../ids.ts';
import { formatDuration } from '../duration.ts';
import { stableJson } from '../stable-json.ts';
import { whereDetail } from '../explain.ts';
import { arrivalOf, insertSorted, makeSnap, propertiesOf, tauOf, type Instance, type InstanceExtra, type MemoryDraft, type RuleEntry, type Snap } from './entry.ts';
import { advance, arrive, valueAt } from './threshold.ts';
import { findChain, pruneSequence } from './sequence.ts';
import { checkLimits, pruneLimits, recordFiring } from './limits.ts';
import { instanceSize, snapSize, windowEntrySize } from './bounds.ts';
import { project, projectEntry } from './projection.ts';

/** What one step collects across rules. */
export interface StepOutputs {
  readonly planned: PlannedFiring[];
  readonly timers: TimerRequest[];
  readonly cancelled: string[];
  readonly suppressions: Suppression[];
  readonly decisions: RuleDecision[] | undefined;
  readonly errors: RuleRunError[];
  /** A rule id each time its window dropped its oldest entries (IFTHEN_MAX_WINDOW_EVENTS). */
  readonly trimmed: string[];
}

/** The step's context shared by its rules. */
export interface Scope {
  /** The subject as rules see it (after an identify applied). */
  readonly subject: SubjectState;
  readonly view: Record<string, unknown>;
  readonly clock: Clock;
  readonly options: EngineOptions;
  readonly limits: MemoryLimits;
  readonly memory: MemoryDraft;
  readonly out: StepOutputs;
  /** The input's id (event id or timer id) for decisions. */
  readonly inputId: string;
  /** How conditions are evaluated on this step (one object for all rules). */
  readonly evaluation: { readonly valuesWhenFalse: boolean; readonly limits?: EngineOptions['condition']; readonly wallClock?: () => number };
  /** The input event's properties, and their JSON length once measured. */
  readonly eventProperties?: Readonly<Record<string, unknown>>;
  propertiesSize?: number;
}

/** A completed trigger: the firing-to-be before the delay stage and the limits. */
interface Completed {
  /** The trigger event A. */
  readonly a: Snap;
  /** The real event when A is the input (its trace and depth are at hand). */
  readonly event?: LoggedEvent;
  readonly key: string;
  /** The arrival that completed it: r of the input. */
  readonly rc: number;
  readonly trace?: Trace;
  readonly x?: InstanceExtra;
}

/** The event as memory keeps it (whole properties: `project` keeps only what the rule reads). τ is min(time, r). */
export function snapOf(event: LoggedEvent): Snap {
  return makeSnap(event.id, event.type, event.time, event.receivedAt, event.properties, event.depth);
}

function eventOf(snap: Snap, subject: string): LoggedEvent {
  return { seq: 0, id: snap.id, type: snap.type, subject, time: snap.time, receivedAt: arrivalOf(snap), properties: propertiesOf(snap), depth: snap.d ?? 0 };
}

function celOf(snap: Snap, subject: string): CelEvent {
  return new CelEvent(snap.id, snap.type, subject, new Date(snap.time), propertiesOf(snap));
}

function typeIn(types: EventTypes, type: string): boolean {
  return types === '*' || types.includes(type);
}

/** τ(e) = min(time, receivedAt). */
export function effectiveTime(event: LoggedEvent): number {
  return event.time < event.receivedAt ? event.time : event.receivedAt;
}

export function isLate(event: LoggedEvent, limits: MemoryLimits): boolean {
  return effectiveTime(event) < event.receivedAt - limits.allowedLatenessMs;
}

/** Does this rule keep trigger state (so that a late event is ignored by it)? */
function hasTriggerState(rule: CompiledRule): boolean {
  const m = rule.memory;
  return Boolean(m && (m.threshold || m.steps || m.unless || m.waitMs !== undefined));
}

/** A rule with memory (or a change rule) on an event. `before` is the subject before an identify applied. */
export function ruleOnEvent(rule: CompiledRule, scope: Scope, event: LoggedEvent, before: SubjectState, base: CelContext): void {
  const limits = scope.limits;
  const tau = effectiveTime(event);
  const late = tau < event.receivedAt - limits.allowedLatenessMs;
  const m = rule.memory;
  const isTrigger = typeIn(rule.eventTypes, event.type);
  if (late && hasTriggerState(rule)) {
    if (scope.out.decisions) decide(scope, rule, 'late', `late: time ${iso(tau)} is more than ${formatDuration(limits.allowedLatenessMs)} before its arrival ${iso(event.receivedAt)}; windows, sequences, absences and waits ignore it`);
    return;
  }
  // The entry is copied (and pruned) only when something is to change: an event that changes nothing costs a read.
  const ref = m ? new EntryRef(rule, scope.memory, event.receivedAt - limits.allowedLatenessMs, event.receivedAt) : undefined;

  if (ref && m?.unless && typeIn(m.unless.eventTypes, event.type)) cancelBy(rule, scope, ref, event, tau, base);

  const completed: Completed[] = [];
  const evaluation = scope.evaluation;
  if (m?.threshold) {
    if (isTrigger) thresholdArrival(rule, scope, ref!, event, tau, base, evaluation, completed);
  } else if (m?.steps) {
    sequenceArrival(rule, scope, ref!, event, tau, base, evaluation, completed);
  } else if (rule.change) {
    if (isTrigger) changeArrival(rule, scope, event, tau, before, base, evaluation, completed);
  } else if (isTrigger) {
    const trace = evaluateRule(rule, event, base, evaluation);
    if (conditionResult(rule, scope, trace)) completed.push({ a: snapOf(event), event, key: event.id, rc: event.receivedAt, trace });
  }
  for (const c of completed) afterTrigger(rule, scope, ref, c, event.receivedAt);
}

/** A rule's entry in the step's draft: read as stored until the step changes it, then copied and pruned once. */
class EntryRef {
  #entry: RuleEntry | undefined;

  constructor(readonly rule: CompiledRule, readonly memory: MemoryDraft, readonly knowledgeEdge: number, readonly tf: number) {}

  peek(): RuleEntry | undefined {
    return this.#entry ?? this.memory.peek(this.rule.id, this.rule.shape);
  }

  touch(): RuleEntry {
    if (!this.#entry) {
      this.#entry = this.memory.rule(this.rule.id, this.rule.shape);
      prune(this.rule, this.#entry, this.knowledgeEdge, this.tf);
    }
    return this.#entry;
  }
}

/** A timer of a rule with memory came due. Fires only an instance still pending, and removes it. */
export function ruleOnTimer(rule: CompiledRule | undefined, scope: Scope, timer: TimerFire): void {
  if (!rule?.memory) return;
  const ref = new EntryRef(rule, scope.memory, timer.dueAt - scope.limits.allowedLatenessMs, timer.dueAt);
  const found = ref.peek()?.i?.find((x) => x.id === timer.id);
  if (!found) {
    if (scope.out.decisions) decide(scope, rule, 'cancelled', `timer ${timer.id}: nothing pending (cancelled, fired already, or the rule changed shape)`);
    return;
  }
  const entry = ref.touch();
  entry.i = entry.i!.filter((x) => x.id !== timer.id);
  const c: Completed = { a: found.a, key: found.key, rc: timer.dueAt, x: found.x };
  limitsAndFire(rule, scope, ref, c, timer.dueAt, found.kind === 'quiet');
}

function prune(rule: CompiledRule, entry: RuleEntry, K: number, tf: number): void {
  const m = rule.memory!;
  if (m.threshold) advance(m.threshold, entry, Math.max(K, entry.k ?? K));
  if (m.steps && entry.s) {
    const q = pruneSequence(m, entry.s, entry.q, K);
    if (q) entry.q = q;
  }
  if (entry.b?.length && tauOf(entry.b[0]) < K) entry.b = entry.b.filter((x) => tauOf(x) >= K); // sorted by τ
  pruneLimits(m.limits, entry, tf);
  // Snapshots stored whole (before projection, or by an older version of the rule) shrink as the entry is rewritten.
  if (m.projection) projectEntry(m.projection, entry);
}

// ---- trigger stage ------------------------------------------------------------------------------------

type Evaluation = Parameters<typeof evaluateRule>[3];

/** Records a condition error and the decision for a trigger whose `where` was false; true when it passed. */
function conditionResult(rule: CompiledRule, scope: Scope, trace: Trace): boolean {
  const where = trace.steps.find((s) => s.check === 'where');
  if (where?.check === 'where' && where.error) scope.out.errors.push({ ruleId: rule.id, message: `when.where: ${where.error}` });
  if (trace.matched) return true;
  if (scope.out.decisions) decide(scope, rule, where?.check === 'where' && where.error ? 'condition_error' : 'condition_false', whereDetail(trace) ?? 'where: false', { trace });
  return false;
}

function windowObject(rule: CompiledRule, w: RuleEntry['w'], T: number): Record<string, unknown> {
  const th = rule.memory!.threshold!;
  const v = valueAt(th, w ?? [], T);
  return { count: v.count, sum: v.sum, distinct: v.distinct, value: v.value, at_least: th.atLeast, within_ms: th.withinMs, from: iso(T - th.withinMs), to: iso(T) };
}

function thresholdArrival(rule: CompiledRule, scope: Scope, ref: EntryRef, event: LoggedEvent, tau: number, base: CelContext, evaluation: Evaluation, completed: Completed[]): void {
  const m = rule.memory!;
  const th = m.threshold!;
  const context = m.whereReadsWindow ? { ...base, window: windowObject(rule, ref.peek()?.w, tau) } : base;
  const trace = evaluateRule(rule, event, context, evaluation);
  if (!conditionResult(rule, scope, trace)) return;
  const entry = ref.touch();
  if (tau < (entry.k ?? tau)) { if (scope.out.decisions) decide(scope, rule, 'late', `late: time ${iso(tau)} is before what the window still holds`); return; }
  let contribution: number | string = 1;
  if (th.of) {
    const value = runExpression(rule, scope, th.of, base, th.kind === 'sum' ? 'when.sum.of' : 'when.distinct.of');
    contribution = th.kind === 'sum' ? (typeof value === 'number' && value > 0 && Number.isFinite(value) ? value : typeof value === 'bigint' && value > 0n ? Number(value) : 0) : stableJson(value ?? null);
  }
  const item = [tau, contribution, event.id] as const;
  const dropped = entry.n;
  const completions = arrive(th, entry, item, scope.limits.maxWindowEvents);
  if (entry.n !== dropped) scope.out.trimmed.push(rule.id);
  scope.memory.grow(windowEntrySize(item) + 8 + 25 * completions.length);
  if (!completions.length) {
    if (scope.out.decisions) {
      const v = valueAt(th, entry.w!, tau);
      const reached = v.value >= th.atLeast;
      decide(scope, rule, reached ? 'already_fired' : 'window_not_reached',
        `window: ${th.kind} ${v.value} of at least ${th.atLeast} within ${formatDuration(th.withinMs)}${reached ? '; fired once already in this episode' : ''}${entry.n ? `; the window keeps the newest ${scope.limits.maxWindowEvents} events (IFTHEN_MAX_WINDOW_EVENTS) and has dropped older ones ${entry.n} times, so it may read low` : ''}`,
        { trace, window: { value: v.value, bound: th.atLeast } });
    }
    return;
  }
  const a = snapOf(event);
  completions.forEach((c, i) => {
    completed.push({ a, event, key: i === 0 ? event.id : `${event.id}#${c.start}`, rc: event.receivedAt, trace, x: { window: windowObject(rule, entry.w, c.at) } });
  });
}

function sequenceArrival(rule: CompiledRule, scope: Scope, ref: EntryRef, event: LoggedEvent, tau: number, base: CelContext, evaluation: Evaluation, completed: Completed[]): void {
  const m = rule.memory!;
  const steps = m.steps!;
  // What the event is to this rule, decided before the memory is touched: a step (of which), a trigger.
  let stepsMatched: number[] | undefined;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    if (!typeIn(step.eventTypes, event.type)) continue;
    if (step.where && !step.whereReadsSteps && !evaluateCondition(rule, scope, step.where, { ...base, steps: [] }, `when.after[${i}].where`)) continue;
    (stepsMatched ??= []).push(i);
  }
  const isTrigger = typeIn(rule.eventTypes, event.type);
  let trace: Trace | undefined;
  let trigger = isTrigger;
  if (isTrigger && !m.whereReadsSteps) {
    trace = evaluateRule(rule, event, { ...base, steps: [] }, evaluation);
    trigger = conditionResult(rule, scope, trace);
  }
  if (!stepsMatched && !trigger) return;
  const entry = ref.touch();
  const snap = snapOf(event);
  const s = (entry.s ??= steps.map(() => []));
  while (s.length < steps.length) s.push([]);
  const asStep = stepsMatched !== undefined;
  for (const i of stepsMatched ?? []) {
    const kept = m.projection ? project(snap, m.projection.steps[i] ?? 'all') : snap;
    insertSorted(s[i], kept, snapTime, snapId);
    scope.memory.grow(sizeOf(scope, kept) + 8);
    if (s[i].length > scope.limits.maxWindowEvents) { s[i].splice(0, s[i].length - scope.limits.maxWindowEvents); entry.n = (entry.n ?? 0) + 1; scope.out.trimmed.push(rule.id); }
  }
  const check = chainCheck(rule, scope, base);
  const toCompleted = (a: Snap, chain: Snap[], ev?: LoggedEvent, trace?: Trace): Completed => ({
    a, event: ev, key: a.id, rc: event.receivedAt, trace, x: { steps: chain, ids: [...chain.map((x) => x.id), a.id] },
  });
  // Triggers waiting for a chain: this event may have completed one (it arrived last).
  if (asStep && entry.q?.length) {
    const still: Snap[] = [];
    for (const a of entry.q) {
      const chain = tauOf(a) >= tau ? findChain(m, s, a, check && ((c) => check(c, a))) : undefined;
      if (chain) completed.push(toCompleted(a, chain));
      else still.push(a);
    }
    entry.q = still;
  }
  if (!trigger) {
    if (asStep && !completed.length && scope.out.decisions) decide(scope, rule, 'sequence_incomplete', `sequence: ${event.type} kept as a step; no trigger event completes a chain yet`);
    return;
  }
  const chain = findChain(m, s, snap, check && ((c) => check(c, snap)));
  if (chain) {
    completed.push(toCompleted(snap, chain, event, trace ?? { rule: rule.id, version: rule.version, event: event.id, matched: true, steps: [] }));
    return;
  }
  const q = (entry.q ??= []);
  const kept = m.projection ? project(snap, m.projection.trigger) : snap;
  insertSorted(q, kept, snapTime, snapId);
  scope.memory.grow(sizeOf(scope, kept) + 8);
  if (q.length > scope.limits.maxPending) {
    const dropped = q.shift()!;
    suppress(scope, rule, 'overflow', dropped.id, event.receivedAt, `sequence: more than ${scope.limits.maxPending} trigger events wait for a chain; the oldest (${dropped.id}) was dropped`);
  }
  if (scope.out.decisions) decide(scope, rule, 'sequence_incomplete', `sequence: no chain of ${steps.map((x) => (x.eventTypes === '*' ? '*' : x.eventTypes.join('|'))).join(' → ')} before ${event.type} within the steps' times (yet)`);
}

/** The conditions that read `steps`, checked on a complete chain; undefined when there are none. */
function chainCheck(rule: CompiledRule, scope: Scope, base: CelContext): ((chain: readonly Snap[], trigger: Snap) => boolean) | undefined {
  const m = rule.memory!;
  const steps = m.steps!;
  if (!m.whereReadsSteps && !steps.some((s) => s.whereReadsSteps)) return undefined;
  const subject = scope.subject.id;
  return (chain, trigger) => {
    const cels = chain.map((x) => celOf(x, subject));
    for (let i = 0; i < steps.length; i++) {
      const where = steps[i].where;
      if (where && steps[i].whereReadsSteps && !evaluateCondition(rule, scope, where, { ...base, event: cels[i], steps: cels.slice(0, i) }, `when.after[${i}].where`)) return false;
    }
    if (m.whereReadsSteps && rule.where && !evaluateCondition(rule, scope, rule.where, { ...base, event: celOf(trigger, subject), steps: cels }, 'when.where')) return false;
    return true;
  };
}

function changeArrival(rule: CompiledRule, scope: Scope, event: LoggedEvent, tau: number, before: SubjectState, base: CelContext, evaluation: Evaluation, completed: Completed[]): void {
  const spec = rule.change!;
  const from = before.attributes[spec.attribute] ?? null;
  const to = scope.subject.attributes[spec.attribute] ?? null;
  const fromJson = stableJson(from);
  const toJson = stableJson(to);
  if (fromJson === toJson || (spec.from !== undefined && spec.from !== fromJson) || (spec.to !== undefined && spec.to !== toJson)) {
    if (scope.out.decisions) decide(scope, rule, 'no_change', `change: ${spec.attribute} ${fromJson === toJson ? `stays ${fromJson}` : `${fromJson} → ${toJson}`}${spec.from !== undefined ? `, from must be ${spec.from}` : ''}${spec.to !== undefined ? `, to must be ${spec.to}` : ''}`);
    return;
  }
  const change = { attribute: spec.attribute, from, to };
  const trace = evaluateRule(rule, event, { ...base, change }, evaluation);
  if (!conditionResult(rule, scope, trace)) return;
  completed.push({ a: snapOf(event), event, key: event.id, rc: event.receivedAt, trace, x: { change } });
}

// ---- delay stage --------------------------------------------------------------------------------------

function afterTrigger(rule: CompiledRule, scope: Scope, ref: EntryRef | undefined, c: Completed, tf: number): void {
  const m = rule.memory;
  if (!m || (!m.unless && m.waitMs === undefined)) { limitsAndFire(rule, scope, ref, c, tf, false); return; }
  const entry = ref!.touch();
  const L = scope.limits.allowedLatenessMs;
  const a = c.a;
  let due: number;
  let dl: number | undefined;
  if (m.unless) {
    dl = tauOf(a) + m.unless.withinMs;
    due = Math.max(c.rc, tauOf(a) + Math.max(m.waitMs ?? 0, m.unless.withinMs + L));
    // A cancelling event that arrived first (B before A).
    const ta = tauOf(a);
    const b = entry.b?.find((x) => x.id !== a.id && tauOf(x) >= ta && tauOf(x) <= dl! && unlessMatches(rule, scope, x, a));
    if (b) {
      suppress(scope, rule, 'cancelled', a.id, c.rc, `cancelled by ${b.id} (${b.type}) at ${iso(tauOf(b))}, within ${formatDuration(m.unless.withinMs)} of ${a.id}`);
      return;
    }
  } else {
    due = Math.max(c.rc, tauOf(a) + m.waitMs!);
  }
  const kind = m.unless ? 'unless' : 'wait';
  const id = timerId(rule.id, scope.subject.id, kind, c.key);
  openInstance(rule, scope, entry, { kind, id, key: c.key, a, due, ...(dl !== undefined ? { dl } : {}), ...(c.x ? { x: c.x } : {}) }, c.rc);
  if (scope.out.decisions) decide(scope, rule, 'waiting', `waiting until ${iso(due)}${m.unless ? ` unless ${typesText(m.unless.eventTypes)} by ${iso(dl!)}` : ''}`, { until: due });
}

function openInstance(rule: CompiledRule, scope: Scope, entry: RuleEntry, opened: Instance, at: number): void {
  const projection = rule.memory?.projection;
  const a = projection ? project(opened.a, projection.trigger) : opened.a;
  const instance = a === opened.a ? opened : { ...opened, a };
  const list = (entry.i ??= []);
  const existing = list.findIndex((x) => x.id === instance.id);
  if (existing >= 0) list.splice(existing, 1);
  list.push(instance);
  scope.memory.grow(instanceSize(instance, sizeOf(scope, instance.a)) + 8);
  scope.out.timers.push({ id: instance.id, ruleId: rule.id, subject: scope.subject.id, dueAt: instance.due, payload: { kind: instance.kind, trigger: instance.a.id, key: instance.key } });
  if (list.length > scope.limits.maxPending) {
    let oldest = 0;
    for (let i = 1; i < list.length; i++) if (tauOf(list[i].a) < tauOf(list[oldest].a)) oldest = i;
    const [dropped] = list.splice(oldest, 1);
    scope.out.cancelled.push(dropped.id);
    suppress(scope, rule, 'overflow', dropped.a.id, at, `more than ${scope.limits.maxPending} pending for this rule and subject; the oldest (${dropped.a.id}, ${dropped.kind}) was dropped`);
  }
}

/** A cancelling event arrived: it cancels every pending instance it falls within, and is kept for triggers still to come. */
function cancelBy(rule: CompiledRule, scope: Scope, ref: EntryRef, event: LoggedEvent, tau: number, base: CelContext): void {
  const m = rule.memory!;
  const unless = m.unless!;
  if (unless.where && !unless.whereReadsTrigger && !evaluateCondition(rule, scope, unless.where, base, 'when.unless.where')) return;
  const entry = ref.touch();
  const b = snapOf(event);
  if (entry.i?.length) {
    const kept: Instance[] = [];
    for (const x of entry.i) {
      if (x.kind !== 'quiet' && x.dl !== undefined && tau >= tauOf(x.a) && tau <= x.dl && unlessMatches(rule, scope, b, x.a)) {
        scope.out.cancelled.push(x.id);
        suppress(scope, rule, 'cancelled', x.a.id, event.receivedAt, `cancelled by ${event.id} (${event.type}) at ${iso(tau)}, within ${formatDuration(unless.withinMs)} of ${x.a.id}`);
      } else kept.push(x);
    }
    entry.i = kept;
  }
  const list = (entry.b ??= []);
  const kept = m.projection ? project(b, m.projection.cancel) : b;
  insertSorted(list, kept, snapTime, snapId);
  scope.memory.grow(sizeOf(scope, kept) + 8);
  if (list.length > scope.limits.maxWindowEvents) { list.shift(); entry.n = (entry.n ?? 0) + 1; scope.out.trimmed.push(rule.id); }
}

function unlessMatches(rule: CompiledRule, scope: Scope, b: Snap, a: Snap): boolean {
  const unless = rule.memory!.unless!;
  if (!unless.where || !unless.whereReadsTrigger) return true; // checked when B arrived
  const subject = scope.subject.id;
  return evaluateCondition(rule, scope, unless.where, { event: celOf(b, subject), subject: scope.view, now: new Date(scope.clock.now), trigger: celOf(a, subject) }, 'when.unless.where');
}

// ---- limits and the firing ----------------------------------------------------------------------------

function limitsAndFire(rule: CompiledRule, scope: Scope, ref: EntryRef | undefined, c: Completed, tf: number, afterQuiet: boolean): void {
  const limits = rule.memory?.limits;
  let key: string | undefined;
  if (limits) {
    if (limits.dedupe) key = dedupeKey(rule, scope, c);
    // Read as stored: the checks count only records within their periods, so an unpruned entry gives the same answer.
    const verdict = checkLimits(limits, ref!.peek(), scope.memory, tf, key, scope.subject.attributes, afterQuiet);
    if (!verdict.pass) {
      if (verdict.delayedUntil !== undefined) {
        const id = timerId(rule.id, scope.subject.id, 'quiet', c.key);
        openInstance(rule, scope, ref!.touch(), { kind: 'quiet', id, key: c.key, a: c.a, due: verdict.delayedUntil, ...(c.x ? { x: c.x } : {}) }, tf);
      }
      suppress(scope, rule, verdict.reason, c.a.id, tf, verdict.detail, verdict.delayedUntil);
      return;
    }
    recordFiring(limits, ref!.touch(), scope.memory, tf, key);
    scope.memory.grow(2 * (key?.length ?? 0) + 80);
  }
  const subject = scope.subject.id;
  const event = c.event ?? eventOf(c.a, subject);
  const trace = c.trace ?? { rule: rule.id, version: rule.version, event: c.a.id, matched: true, steps: [] };
  const x = c.x;
  const planned = plan(rule, event, scope.view, trace, scope.clock, scope.options, {
    key: c.key,
    eventIds: x?.ids,
    window: x?.window,
    steps: x?.steps?.map((s) => ({ id: s.id, type: s.type, subject, time: iso(s.time), properties: propertiesOf(s) })),
    change: x?.change,
    firingTime: tf,
  });
  scope.out.planned.push(planned);
  if (scope.out.decisions) decide(scope, rule, 'fired', `fired ${planned.firing.id}${x?.window ? ` (window: ${(x.window as { value: number }).value} of at least ${(x.window as { at_least: number }).at_least})` : ''}`, { trace });
}

function dedupeKey(rule: CompiledRule, scope: Scope, c: Completed): string {
  const expr = rule.memory!.limits.dedupe!.key;
  if (!expr) return c.a.type;
  const subject = scope.subject.id;
  const value = runExpression(rule, scope, expr, { event: celOf(c.a, subject), subject: scope.view, now: new Date(scope.clock.now) }, 'limits.dedupe.key');
  const json = stableJson(value ?? null);
  return json.length > 200 ? json.slice(0, 200) : json;
}

// ---- helpers ------------------------------------------------------------------------------------------

const snapTime = tauOf;
const snapId = (x: Snap) => x.id;

/** A snapshot's size bound; the input event's properties are measured once per step, whatever the rules. */
function sizeOf(scope: Scope, snap: Snap): number {
  if (snap.p !== undefined && snap.p === scope.eventProperties) {
    scope.propertiesSize ??= JSON.stringify(snap.p).length;
    return snapSize(snap, scope.propertiesSize);
  }
  return snapSize(snap);
}

function evaluateCondition(rule: CompiledRule, scope: Scope, expr: CompiledExpression, context: CelContext, path: string): boolean {
  try {
    const result = expr.program(context, new ConditionMeter(scope.options.condition ?? DEFAULT_CONDITION_LIMITS, scope.options.wallClock));
    return result === true;
  } catch (error) {
    scope.out.errors.push({ ruleId: rule.id, message: `${path}: ${firstLine(error)}` });
    return false;
  }
}

function runExpression(rule: CompiledRule, scope: Scope, expr: CompiledExpression, context: CelContext, path: string): unknown {
  try {
    return expr.program(context, new ConditionMeter(scope.options.condition ?? DEFAULT_CONDITION_LIMITS, scope.options.wallClock));
  } catch (error) {
    scope.out.errors.push({ ruleId: rule.id, message: `${path}: ${firstLine(error)}` });
    return undefined;
  }
}

function suppress(scope: Scope, rule: CompiledRule, reason: Suppression['reason'], eventId: string, at: number, detail: string, delayedUntil?: number): void {
  scope.out.suppressions.push({ ruleId: rule.id, subject: scope.subject.id, reason, eventId, at, detail, ...(delayedUntil !== undefined ? { delayedUntil } : {}) });
  decide(scope, rule, reason, detail, delayedUntil !== undefined ? { until: delayedUntil } : undefined);
}

function decide(scope: Scope, rule: CompiledRule, outcome: DecisionOutcome, detail: string, more?: { trace?: Trace; window?: RuleDecision['window']; until?: number }): void {
  scope.out.decisions?.push({ ruleId: rule.id, version: rule.version, input: scope.inputId, outcome, detail, ...more });
}

function typesText(types: EventTypes): string {
  return types === '*' ? 'any event' : types.join(' or ');
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
