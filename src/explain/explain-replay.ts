// "Why (not)?": runs a subject's events through replay() with explain on, and keeps, for one rule, what
// became of it on every input (event or timer): fired, or what blocked it, with the values it saw; the
// suppressions its limits recorded; the timers still waiting at the end. The test endpoint and the subject
// explain endpoint both use it. Pure apart from the wall clock of the conditions' time budget.
import type { LoggedEvent } from '../engine/event.ts';
import type { CompiledRule } from '../engine/rule/compile.ts';
import { RuleSet } from '../engine/ruleset.ts';
import { replay } from '../engine/replay.ts';
import { TimerQueue } from '../engine/timeline.ts';
import { celContext, evaluateRule } from '../engine/evaluate.ts';
import type { EngineOptions, Firing, RuleDecision, SubjectState, Suppression, TimerFire, Trace } from '../engine/types.ts';
import { decisionWords, conditionWords } from './words.ts';

export interface ExplainReplayInput {
  /** The rule explained. */
  readonly rule: CompiledRule;
  /** Rules replayed with it (other rules of its cap group: their firings count for the group). Their decisions are not kept. */
  readonly companions?: readonly CompiledRule[];
  /** The subject's events in log order; those before `shownFrom` only warm the rule up (windows, caps). */
  readonly events: readonly LoggedEvent[];
  readonly shownFrom?: number;
  readonly subject: SubjectState;
  readonly engine: EngineOptions;
  /** Fire the timers due at or before this time after the last event; absent: leave them waiting. */
  readonly until?: number;
}

/** What became of the rule on one input, for people and programs. */
export interface DecisionView {
  readonly input: { readonly kind: 'event'; readonly id: string; readonly type: string; readonly time: string; readonly receivedAt: string } | { readonly kind: 'timer'; readonly id: string; readonly dueAt: string };
  /** fired, event_type, condition_false, condition_error, late, window_not_reached, already_fired, sequence_incomplete, waiting, cancelled, no_change, deduped, quiet_hours, capped, rate_limited, overflow; `disabled` when the rule is off. */
  readonly outcome: string;
  /** In words, with the values seen: `where: false: event.properties.total = 12, not ≥ 30`. */
  readonly because: string;
  /** Each part of the condition with the value it saw (`✓ subject.country = "KR"`, `✗ event.properties.total = 12, not ≥ 30`). */
  readonly conditions?: readonly string[];
  readonly window?: { readonly value: number; readonly bound: number };
  readonly until?: string;
  readonly firingId?: string;
  readonly suppressions?: readonly SuppressionView[];
  readonly trace?: Trace;
}

export interface SuppressionView {
  readonly reason: string;
  readonly event: string;
  readonly at: string;
  readonly detail: string;
  readonly delayedUntil?: string;
}

export interface WaitingTimer {
  readonly id: string;
  readonly dueAt: string;
  /** `would fire at 2026-… unless order_completed arrives by 2026-…`. */
  readonly because: string;
}

export interface ExplainReplayResult {
  readonly decisions: readonly DecisionView[];
  readonly firings: readonly Firing[];
  readonly waiting: readonly WaitingTimer[];
  readonly subject: SubjectState;
  /** The subject as the last event's step saw it (after the timers due before it): to step it again for its emits. */
  readonly beforeLast?: SubjectState;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A TimerQueue that lists what is pending and says which timer replay() takes (it is the input stepped next). */
class ListedTimers extends TimerQueue {
  readonly pending = new Map<string, TimerFire>();
  constructor(private readonly onTake: (timer: TimerFire | undefined) => void) { super(); }
  override add(timer: TimerFire): void { super.add(timer); this.pending.set(timer.id, timer); }
  override remove(id: string): void { super.remove(id); this.pending.delete(id); }
  override takeDue(time: number, inclusive = false): TimerFire | undefined {
    const timer = super.takeDue(time, inclusive);
    if (timer) this.pending.delete(timer.id);
    this.onTake(timer);
    return timer;
  }
}

interface Entry {
  readonly input: DecisionView['input'];
  readonly event?: LoggedEvent;
  /** The subject before the event (attributes for re-reading a condition). */
  before?: SubjectState;
  readonly shown: boolean;
  decision?: RuleDecision;
  firing?: Firing;
  readonly suppressions: Suppression[];
}

export function explainReplay(input: ExplainReplayInput): ExplainReplayResult {
  const { rule } = input;
  const rules = new RuleSet([rule, ...(input.companions ?? []).filter((r) => r.id !== rule.id)]);
  const engine: EngineOptions = { ...input.engine, explain: true };
  const subjects = new Map<string, SubjectState>([[input.subject.id, input.subject]]);
  const shownFrom = input.shownFrom ?? 0;

  // One entry per input, in the order replay() steps them; firings and suppressions go to the input being stepped.
  const entries: Entry[] = [];
  let position = -1;
  let finished = false;
  let eventEntry: Entry | undefined;
  let stepping: Entry | undefined;
  const timers = new ListedTimers((timer) => {
    if (!timer) {
      // The timers due before the event have fired: the state its step starts from.
      if (eventEntry?.event) eventEntry.before = subjects.get(eventEntry.event.subject) ?? input.subject;
      stepping = eventEntry;
      return;
    }
    const entry: Entry = { input: { kind: 'timer', id: timer.id, dueAt: iso(timer.dueAt) }, shown: finished || position > shownFrom, suppressions: [] };
    entries.push(entry);
    stepping = entry;
  });
  function* events(): Generator<LoggedEvent> {
    for (const event of input.events) {
      position++;
      eventEntry = {
        input: { kind: 'event', id: event.id, type: event.type, time: iso(event.time), receivedAt: iso(event.receivedAt) }, event,
        before: subjects.get(event.subject) ?? input.subject, shown: position >= shownFrom, suppressions: [],
      };
      entries.push(eventEntry);
      stepping = eventEntry;
      yield event;
    }
    finished = true;
    eventEntry = undefined;
  }

  const firings: Firing[] = [];
  replay(rules, events(), {
    firing(firing) {
      if (firing.ruleId !== rule.id) return;
      firings.push(firing);
      if (stepping) stepping.firing = firing;
    },
    suppression(s) {
      if (s.ruleId === rule.id) stepping?.suppressions.push(s);
    },
    decision(decision) {
      if (decision.ruleId === rule.id && stepping) stepping.decision = decision;
    },
  }, { engine, subjects, timers, until: input.until });

  const decisions: DecisionView[] = [];
  for (const entry of entries) {
    if (!entry.shown) continue;
    // A timer that did nothing for this rule is not worth a line.
    if (entry.input.kind === 'timer' && !entry.decision && !entry.firing && !entry.suppressions.length) continue;
    decisions.push(view(rule, entry, input.engine));
  }
  const waiting = [...timers.pending.values()].filter((t) => t.ruleId === rule.id).sort((a, b) => a.dueAt - b.dueAt)
    .map((t) => ({ id: t.id, dueAt: iso(t.dueAt), because: waitingWords(rule, t) }));
  const last = [...entries].reverse().find((e) => e.event);
  return { decisions, firings, waiting, subject: subjects.get(input.subject.id) ?? input.subject, beforeLast: last?.before };
}

function view(rule: CompiledRule, entry: Entry, engine: EngineOptions): DecisionView {
  const suppressions = entry.suppressions.map(suppressionView);
  let trace = entry.decision?.trace ?? entry.firing?.trace;
  // The engine gave no trace with values: read the condition again on the subject as it was (plain rules only:
  // a condition of a rule with memory may read `window` or `steps`, which only the engine has).
  if (entry.event && entry.before && (!trace || (!trace.matched && !hasValues(trace))) && !rule.memory) {
    trace = evaluateRule(rule, entry.event, celContext(entry.event, entry.before, { now: entry.event.receivedAt }), { valuesWhenFalse: true, limits: engine.condition, wallClock: engine.wallClock });
  }
  // An event a rule with memory does not listen to (a step or an `unless` event the engine passed over quietly).
  if (entry.event && !trace && !entry.decision && rule.eventTypes !== '*' && !rule.eventTypes.includes(entry.event.type)) {
    trace = { rule: rule.id, version: rule.version, event: entry.event.id, matched: false, steps: [{ check: 'event', expected: rule.eventTypes, actual: entry.event.type, passed: false }] };
  }
  const outcome = entry.firing ? 'fired' : entry.decision?.outcome ?? fallbackOutcome(trace, entry.suppressions);
  const conditions = trace ? conditionWords(trace) : undefined;
  const because = decisionWords({ outcome, detail: entry.decision?.detail, trace, window: entry.decision?.window, until: entry.decision?.until, suppressions: entry.suppressions, firing: entry.firing });
  return {
    input: entry.input, outcome, because,
    ...(conditions?.length ? { conditions } : {}),
    ...(entry.decision?.window ? { window: entry.decision.window } : {}),
    ...(entry.decision?.until !== undefined ? { until: iso(entry.decision.until) } : {}),
    ...(entry.firing ? { firingId: entry.firing.id } : {}),
    ...(suppressions.length ? { suppressions } : {}),
    ...(trace ? { trace } : {}),
  };
}

function hasValues(trace: Trace): boolean {
  return trace.steps.some((s) => s.check === 'where' && Object.keys(s.values).length > 0);
}

/** Without a decision from the engine: what the trace and the suppressions say. */
function fallbackOutcome(trace: Trace | undefined, suppressions: readonly Suppression[]): string {
  if (suppressions.length) return suppressions[0].reason;
  if (!trace) return 'no_decision';
  const event = trace.steps.find((s) => s.check === 'event');
  if (event && !event.passed) return 'event_type';
  const where = trace.steps.find((s) => s.check === 'where');
  if (where && where.check === 'where' && where.error) return 'condition_error';
  if (where && !where.passed) return 'condition_false';
  return 'no_decision';
}

export function suppressionView(s: Suppression): SuppressionView {
  return { reason: s.reason, event: s.eventId, at: iso(s.at), detail: s.detail, ...(s.delayedUntil !== undefined ? { delayedUntil: iso(s.delayedUntil) } : {}) };
}

function waitingWords(rule: CompiledRule, timer: TimerFire): string {
  const unless = rule.memory?.unless;
  const at = iso(timer.dueAt);
  if (!unless) return `would fire at ${at}`;
  const types = unless.eventTypes === '*' ? 'any event' : unless.eventTypes.join(' or ');
  return `would fire at ${at} unless ${types} arrives first`;
}
