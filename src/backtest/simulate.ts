// One simulated run of a rule set over stored events: profiles rebuilt from the stored `identify` events, a
// warm-up that builds windows and caps without reporting, then the range itself, all through replay() (the
// same engine core and timeline as the live processor). Nothing is stored or sent; emitted events are not
// fed back (the events rules emitted in the past are in the log as stored).
import type { LoggedEvent } from '../engine/event.ts';
import { RuleSet } from '../engine/ruleset.ts';
import { replay, type ReplaySink } from '../engine/replay.ts';
import { TimerQueue } from '../engine/timeline.ts';
import { RateLimiter } from '../engine/rate.ts';
import { step } from '../engine/step.ts';
import type { EngineOptions, SubjectState } from '../engine/types.ts';
import type { BacktestEventSource } from './event-source.ts';
import type { BacktestRules } from './rule-set.ts';
import type { TimeRange } from './range.ts';

/** Log positions read per statement: a short read, a bounded array. */
export const SPAN_POSITIONS = 20_000;
/** Events after the range are read this far past its end (arrival stamps are in log order only up to this). */
const END_SLACK_MS = 60_000;

export interface SimulationInput {
  readonly source: BacktestEventSource;
  readonly rules: BacktestRules;
  readonly range: TimeRange;
  readonly engine: EngineOptions;
  /** The processing clock now: timers not yet due now are not fired, as the live processor would not have yet. */
  readonly now: number;
  /** Checked between spans: when it says stop, the run ends there and says how far it got. */
  readonly shouldStop?: () => boolean;
  /** The subjects' states, updated in place as the run goes (default: a map of its own). */
  readonly subjects?: Map<string, SubjectState>;
}

export interface SimulationSink extends ReplaySink {
  /** Every event of the range (not the warm-up) fed to the engine, before it is. */
  inRange?(event: LoggedEvent): void;
}

export interface SimulationSummary {
  /** Arrival of the oldest stored event when the run started (null: none stored). */
  readonly oldestStored: number | null;
  readonly warmUpFrom: number;
  readonly warmUpEvents: number;
  readonly events: number;
  readonly profiles: number;
  /** Arrival of the last event of the range that was replayed. */
  readonly lastEventAt: number | null;
  /** The run was stopped (time limit) before the end of the range; events after this time were not replayed. */
  readonly stoppedAt: number | null;
}

export function simulate(input: SimulationInput, sink: SimulationSink): SimulationSummary {
  const { source, rules, range } = input;
  // The run owns its subjects' states and keeps only the newest: memory is changed in place, not copied per step.
  // Its sinks count firings and keep a few: a firing is planned (rendered, hashed) only when read.
  const engine: EngineOptions = { ...input.engine, memoryInPlace: true, planLazily: true };
  const oldestStored = source.oldestArrival();
  const head = source.head();
  const warmUpFrom = range.from - rules.warmUpMs;
  const start = source.positionBefore(warmUpFrom);
  const subjects = input.subjects ?? new Map<string, SubjectState>();
  const profiles = rebuildProfiles(source, start, subjects, engine, input.shouldStop);

  let warmUpEvents = 0;
  let events = 0;
  let lastEventAt: number | null = null;
  let stoppedAt: number | null = null;
  const types = rules.types;
  function* stream(): Generator<LoggedEvent> {
    for (let after = start; after < head; after += SPAN_POSITIONS) {
      if (input.shouldStop?.()) { stoppedAt = lastEventAt ?? range.from; return; }
      const upTo = Math.min(head, after + SPAN_POSITIONS);
      const span = source.span(after, upTo, types);
      for (const event of span) {
        if (event.receivedAt < warmUpFrom) {
          // Before the warm-up (read because arrival order has slack): only its profile change counts.
          if (event.type === 'identify') applyIdentify(event, subjects, engine);
          continue;
        }
        if (event.receivedAt >= range.to) {
          if (event.receivedAt >= range.to + END_SLACK_MS) return;
          continue;
        }
        if (event.receivedAt < range.from) warmUpEvents++;
        else { events++; lastEventAt = event.receivedAt; sink.inRange?.(event); }
        yield event;
      }
    }
  }
  // The timers still due at the end fire in a second call, up to where the run really got: the end of the range
  // (and not after now, as live), or where the time limit stopped it.
  const timers = new TimerQueue();
  const rate = new RateLimiter();
  replay(rules.set, stream(), sink, { engine, subjects, timers, rate });
  replay(rules.set, [], sink, { engine, subjects, timers, rate, until: stoppedAt ?? Math.min(range.to - 1, input.now) });
  return { oldestStored, warmUpFrom, warmUpEvents, events, profiles, lastEventAt, stoppedAt };
}

const NO_RULES = new RuleSet([]);

/** Applies one identify event to the subject's profile through the engine core (its profile bounds apply). */
function applyIdentify(event: LoggedEvent, subjects: Map<string, SubjectState>, engine: EngineOptions): void {
  const before = subjects.get(event.subject) ?? { id: event.subject, attributes: Object.create(null) };
  const out = step(NO_RULES, before, { kind: 'event', event }, { now: event.receivedAt }, engine);
  if (out.subjectChanged) subjects.set(event.subject, out.subject);
}

/** The profiles as they stood at `position`, from the stored identify events before it. How many subjects have one. */
function rebuildProfiles(source: BacktestEventSource, position: number, subjects: Map<string, SubjectState>, engine: EngineOptions, shouldStop?: () => boolean): number {
  let after = 0;
  for (;;) {
    // Past the budget the range itself is not replayed either: the stream stops at its first check.
    if (shouldStop?.()) break;
    const batch = source.identifies(after, position, 5_000);
    for (const event of batch) applyIdentify(event, subjects, engine);
    if (batch.length < 5_000) break;
    after = batch[batch.length - 1].seq;
  }
  return subjects.size;
}
