// Runs a rule set over a stream of logged events with a simulated clock, in the timeline order the live
// processor uses (timeline.ts): the backtester, explain and the property tests all run rules this way.
// Pure: subject states and timers live in memory; nothing is stored or sent. Emitted events are not fed
// back (a backtest executes no action); events that rules emitted in the past are in the stream as stored.
// The rate limit is applied here to the firings' deliveries, as the live processor does with the same class.
import type { LoggedEvent } from './event.ts';
import type { RuleSet } from './ruleset.ts';
import type { EngineOptions, Firing, RuleDecision, RuleRunError, StepOutput, Suppression, SubjectState, TimerFire } from './types.ts';
import { DEFAULT_ENGINE_OPTIONS, step } from './step.ts';
import { TimerQueue } from './timeline.ts';
import { RateLimiter } from './rate.ts';

/** What a replay reports as it goes; each callback is optional. */
export interface ReplaySink {
  firing?(firing: Firing): void;
  suppression?(suppression: Suppression): void;
  /** With `EngineOptions.explain`: every candidate rule's decision on every input. */
  decision?(decision: RuleDecision, input: { readonly kind: 'event'; readonly event: LoggedEvent } | { readonly kind: 'timer'; readonly timer: TimerFire }): void;
  error?(error: RuleRunError, inputId: string): void;
  /** A late event (MEMORY.md "Times"). */
  late?(event: LoggedEvent): void;
}

export interface ReplayOptions {
  readonly engine?: EngineOptions;
  /** Fire the timers due at or before this time after the last event (the end of a backtest's range). */
  readonly until?: number;
  /** Subject states to start from; the map is updated in place. Default: everyone starts empty. */
  readonly subjects?: Map<string, SubjectState>;
  /** Timers pending at the start (a replay that resumes). */
  readonly timers?: TimerQueue;
  /** The rules' rate buckets (MEMORY.md "Limits" 5); default a new one. */
  readonly rate?: RateLimiter;
}

export interface ReplaySummary {
  readonly events: number;
  readonly timers: number;
  readonly firings: number;
  readonly suppressions: number;
  readonly late: number;
}

export function replay(rules: RuleSet, events: Iterable<LoggedEvent>, sink: ReplaySink = {}, options: ReplayOptions = {}): ReplaySummary {
  const engine = options.engine ?? DEFAULT_ENGINE_OPTIONS;
  const subjects = options.subjects ?? new Map<string, SubjectState>();
  const queue = options.timers ?? new TimerQueue();
  const rate = options.rate ?? new RateLimiter();
  let eventCount = 0;
  let timerCount = 0;
  let firingCount = 0;
  let suppressionCount = 0;
  let lateCount = 0;

  const apply = (subjectId: string, out: StepOutput, inputId: string, input: Parameters<NonNullable<ReplaySink['decision']>>[1]) => {
    if (out.subjectChanged) subjects.set(subjectId, out.subject);
    if (out.cancelledTimers) for (const id of out.cancelledTimers) queue.remove(id);
    for (const timer of out.timers) queue.add(timer);
    if (out.suppressions) for (const s of out.suppressions) { suppressionCount++; sink.suppression?.(s); }
    for (const f of out.firings) {
      firingCount++;
      const limited = rate.apply(rules.get(f.ruleId), f);
      if (limited.suppression) { suppressionCount++; sink.suppression?.(limited.suppression); }
      sink.firing?.(limited.firing);
    }
    if (out.decisions) for (const d of out.decisions) sink.decision?.(d, input);
    for (const e of out.errors) sink.error?.(e, inputId);
  };
  const fireTimersBefore = (time: number, inclusive: boolean) => {
    for (let timer = queue.takeDue(time, inclusive); timer; timer = queue.takeDue(time, inclusive)) {
      timerCount++;
      const subject = subjects.get(timer.subject) ?? emptySubject(timer.subject);
      const input = { kind: 'timer', timer } as const;
      apply(timer.subject, step(rules, subject, input, { now: timer.dueAt }, engine), timer.id, input);
    }
  };

  for (const event of events) {
    fireTimersBefore(event.receivedAt, false);
    eventCount++;
    const subject = subjects.get(event.subject) ?? emptySubject(event.subject);
    const input = { kind: 'event', event } as const;
    const out = step(rules, subject, input, { now: event.receivedAt }, engine);
    if (out.late) { lateCount++; sink.late?.(event); }
    apply(event.subject, out, event.id, input);
  }
  if (options.until !== undefined) fireTimersBefore(options.until, true);
  return { events: eventCount, timers: timerCount, firings: firingCount, suppressions: suppressionCount, late: lateCount };
}

function emptySubject(id: string): SubjectState {
  return { id, attributes: Object.create(null) };
}
