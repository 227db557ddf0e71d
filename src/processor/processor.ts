// The processor of one log partition: reads the events after its committed cursor and the timers that came
// due, runs the engine core on each, and commits subject state, firings, outbox rows, emitted events, timers
// and the new cursor in one fenced transaction. An input that keeps failing is recorded and passed over.
// See ARCHITECTURE.md.
import type { Cursor, EventFailure, EventLog, PipelineStore, ProcessedBatch, RuleError, StoredSubject } from '../store/contracts.ts';
import { FencedError } from '../store/contracts.ts';
import type { DeliveryRequest, EngineInput, EngineOptions, Firing, GoalHit, SubjectState, Suppression, TimerFire, TimerRequest } from '../engine/types.ts';
import { IDENTIFY_EVENT_TYPE, type NewEvent } from '../engine/event.ts';
import type { RuleSet } from '../engine/ruleset.ts';
import { step } from '../engine/step.ts';
import { TimerQueue } from '../engine/timeline.ts';
import type { RuleCache } from './rule-cache.ts';
import { SubjectCache, type SubjectCacheLimits } from './subject-cache.ts';
import { RateLimiter } from '../engine/rate.ts';

export const PROCESSOR_CONSUMER = 'processor';
/** A single input whose commit fails this many times in a row is recorded as failed and passed over. */
export const COMMIT_TRIES = 3;
const ERROR_TEXT_MAX = 2000;
/**
 * Once caught up, the timers due by `now` minus this fire after the batch's events: an event appended with an
 * arrival stamped before the read but committed after it (ingest stamps, then group-commits) still comes first.
 */
export const CAUGHT_UP_DELAY_MS = 1000;

export interface BatchSummary {
  readonly events: number;
  readonly timers: number;
  readonly firings: readonly Firing[];
  readonly emits: number;
  readonly failures: readonly EventFailure[];
  /** The newest few rule errors per rule, as stored. */
  readonly ruleErrors: readonly RuleError[];
  /** Every rule error of the batch, counted per rule (for the metric; `ruleErrors` keeps only the newest few). */
  readonly ruleErrorCounts?: ReadonlyMap<string, number>;
  /** Deliveries leased to a dispatcher in this commit, to hand over in memory. */
  readonly fresh?: ProcessedBatch['fresh'];
  readonly durationMs: number;
  /** Events of the batch that were late (MEMORY.md "Times"): the stateful parts of rules ignored them. */
  readonly late?: number;
  /** Triggers stopped or delayed by a limit, as stored. */
  readonly suppressions?: readonly Suppression[];
  /** Per rule, how many times a window dropped its oldest entries in this batch (IFTHEN_MAX_WINDOW_EVENTS). */
  readonly windowTrims?: ReadonlyMap<string, number>;
}

export interface ProcessorHooks {
  /** After each committed batch. */
  onCommitted?(summary: BatchSummary): void;
  /** A batch could not be committed; it is tried again (smaller, then recorded as failed). */
  onBatchError?(error: Error, inputs: number): void;
}

/** The watchdog's view of the processor: which input it is evaluating right now (see app/stall-watch.ts). */
export interface StepWatch {
  begin(label: string): void;
  end(): void;
}

/** What the watchdog needs to record an input that stalled the thread, and pass over it. */
export interface StalledInput {
  readonly kind: 'event' | 'timer';
  readonly partition: number;
  readonly cursor: Cursor;
  readonly id: string;
}

export function stallLabel(input: StalledInput): string {
  return [input.kind, input.partition, input.cursor, input.id].join('\u0000');
}

export function parseStallLabel(label: string): StalledInput | undefined {
  const [kind, partition, cursor, ...id] = label.split('\u0000');
  if ((kind !== 'event' && kind !== 'timer') || !id.length) return undefined;
  return { kind, partition: Number(partition), cursor, id: id.join('\u0000') };
}

export interface ProcessorOptions {
  readonly partition: number;
  readonly batchSize: number;
  readonly engine: EngineOptions;
  readonly now: () => number;
  /** Subjects kept between batches; a batch's own subjects are pinned whatever this is. */
  /** Committed subject states kept in memory (IFTHEN_SUBJECT_CACHE_ENTRIES, IFTHEN_SUBJECT_CACHE_BYTES). */
  readonly subjectCache?: SubjectCacheLimits;
  /** Which of a batch's new deliveries a dispatcher has room for: leased in the batch's commit (fresh-work.ts). */
  readonly pickFresh?: (deliveries: readonly DeliveryRequest[], now: number) => ProcessedBatch['fresh'];
}

interface Batch {
  readonly from: Cursor | null;
  readonly inputs: number;
  readonly events: number;
  readonly timers: number;
  readonly late: number;
  readonly windowTrims: ReadonlyMap<string, number>;
  readonly work: ProcessedBatch;
  readonly pinned: ReadonlyMap<string, StoredSubject>;
  readonly ruleErrorCounts: ReadonlyMap<string, number>;
  readonly lastInput?: { readonly id: string; readonly cursor: Cursor | null; readonly timer: boolean };
}

export class Processor {
  readonly #subjects: SubjectCache;
  /**
   * The rules' rate buckets (engine/rate.ts, the same class replay() uses, fed in the same timeline order). In
   * memory: a restart starts each rule with a full bucket, and a batch retried after a failed commit takes
   * tokens again (its deliveries may be spaced a little more).
   */
  readonly #rate = new RateLimiter();
  #cursor: Cursor | null | undefined;
  /** Inputs already recorded as failed (by the watchdog, while this thread was replaced): skipped. */
  #skip: Set<string> | undefined;
  /** After a failed commit: how many inputs still go one per batch, to find the one that fails. */
  #isolating = 0;
  readonly #commitFailures = new Map<string, number>();
  #running = false;
  #idle: (() => void) | undefined;
  #loop: Promise<void> | undefined;

  constructor(
    private readonly log: EventLog,
    private readonly store: PipelineStore,
    private readonly rules: RuleCache,
    private readonly options: ProcessorOptions,
    private readonly hooks: ProcessorHooks = {},
    private readonly watch?: StepWatch,
  ) {
    this.#subjects = new SubjectCache(options.subjectCache);
  }

  start(): void {
    this.#running = true;
    this.#loop = this.run();
  }

  /** New events were appended or rules changed: process now rather than at the next poll. */
  wake(): void {
    this.#idle?.();
  }

  /** Finishes the batch in progress, then stops. */
  async stop(): Promise<void> {
    this.#running = false;
    this.wake();
    await this.#loop;
  }

  /** The subject cache's entries and estimated bytes (for /metrics). */
  get subjectCacheStats(): { entries: number; bytes: number } {
    return this.#subjects.stats;
  }

  get cursor(): Cursor | null {
    return this.#cursor ?? null;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.#running) {
      let processed = 0;
      try {
        processed = await this.processBatch();
        failures = 0;
      } catch (error) {
        // Nothing of the batch was stored. Back off a little more each time the store keeps failing.
        failures++;
        await this.sleep(Math.min(5000, 50 * 2 ** Math.min(failures, 7)));
        continue;
      }
      if (processed === 0) await this.sleep(1000);
      else await new Promise((resolve) => setImmediate(resolve)); // let ingest and outbox calls in between batches
    }
  }

  /**
   * Processes at most one batch; returns how many inputs (events and timers) it consumed. Inputs go to the engine
   * in the timeline order (engine/MEMORY.md "Timeline", the order replay() uses): events in log order; before
   * each event the timers due strictly before its arrival, earliest first, ties by id, those made earlier in the
   * batch included and those cancelled left out; after the last event, once caught up, the timers due by
   * `now - 1 s`. With a backlog, a timer due at or after the last arrival waits for the next batch's events
   * (replay fires it before the first event arriving after it, and so does the next batch).
   */
  async processBatch(): Promise<number> {
    const { partition } = this.options;
    if (this.#cursor === undefined) this.#cursor = await this.store.cursor(PROCESSOR_CONSUMER, partition);
    this.#skip ??= await this.store.failedAfter(partition, this.#cursor);
    const started = performance.now();
    const limit = this.#isolating > 0 ? 1 : this.options.batchSize;
    const rules = await this.rules.current();
    const now = this.options.now();
    const events = await this.log.read(partition, this.#cursor, limit);
    const caughtUp = events.length < limit;
    // The stored timers this batch may need: due before its latest arrival, and once caught up, by now - 1 s.
    let bound = caughtUp ? now - CAUGHT_UP_DELAY_MS : -Infinity;
    for (const e of events) bound = Math.max(bound, e.receivedAt - 1);
    // One more than the batch takes, to know whether some are left unread.
    const read = bound === -Infinity ? [] : await this.store.dueTimers(partition, bound, limit + 1);
    const stored = read.slice(0, limit);
    if (!events.length && !stored.length) return 0;

    const batch = await this.evaluate(rules, stored, read.length > limit, events, caughtUp, now);
    if (!batch.inputs) return 0;
    try {
      await this.store.commit(batch.work);
    } catch (error) {
      await this.commitFailed(batch, error as Error, now);
      throw error;
    }
    this.committed(batch, batch.work);
    if (this.#isolating > 0) this.#isolating = Math.max(0, this.#isolating - batch.inputs);
    const { work } = batch;
    this.hooks.onCommitted?.({
      events: batch.events, timers: batch.timers, firings: work.firings, emits: work.emits.length, failures: work.failures,
      ruleErrors: work.ruleErrors, ruleErrorCounts: batch.ruleErrorCounts, fresh: work.fresh, durationMs: performance.now() - started,
      late: batch.late, suppressions: work.suppressions ?? [], windowTrims: batch.windowTrims,
    });
    return batch.inputs;
  }

  /**
   * Runs the engine on the batch's inputs in timeline order; the batch's subjects are pinned in `work` until the
   * commit. `truncated`: more stored timers are due than were read, so the batch stops where an unread timer
   * could come first (at the last one read: unread ones sort after it).
   */
  private async evaluate(
    rules: RuleSet, stored: readonly TimerFire[], truncated: boolean, events: Awaited<ReturnType<EventLog['read']>>, caughtUp: boolean, now: number,
  ): Promise<Batch> {
    const { partition } = this.options;
    const needed = events.filter((e) => e.type === IDENTIFY_EVENT_TYPE || rules.candidates(e.type).length > 0).map((e) => e.subject);
    for (const t of stored) needed.push(t.subject);
    const pinned = await this.pin(needed);
    // The committed state of each subject the batch changes, as read: what the store holds at its version.
    const changed = new Map<string, StoredSubject | undefined>();
    const firings: Firing[] = [];
    const emits: NewEvent[] = [];
    const failures: EventFailure[] = [];
    const ruleErrors: RuleError[] = [];
    const suppressions: Suppression[] = [];
    const goalHits: GoalHit[] = [];
    // Timers as the commit leaves them: created or moved (by id), and deleted (fired or cancelled).
    const created = new Map<string, TimerRequest>();
    const fired = new Set<string>();
    const cancelled = new Set<string>();
    const queue = new TimerQueue();
    for (const t of stored) queue.add(t);
    let late = 0;
    const windowTrims = new Map<string, number>();
    let eventCount = 0;
    let timerCount = 0;
    // Synchronous: an event costs no await. (Events no rule reads run on an empty state and change nothing, so
    // their subjects are not loaded; a timer's subject is, when an earlier input of the batch did not pin it.)
    const run = (input: EngineInput, id: string, subjectId: string, cursor: Cursor): void => {
      const before = pinned.get(subjectId);
      const subject: SubjectState = before?.state ?? { id: subjectId, attributes: Object.create(null) };
      this.watch?.begin(stallLabel({ kind: input.kind, partition, cursor, id }));
      try {
        const out = step(rules, subject, input, { now }, this.options.engine);
        if (out.subjectChanged) {
          if (!changed.has(subjectId)) changed.set(subjectId, before);
          pinned.set(subjectId, { state: out.subject, version: before?.version ?? 0 });
        }
        // The rate limit spaces a rule's deliveries on the firing time t_f (MEMORY.md "Limits" 5), never the wall clock.
        for (const firing of out.firings) {
          const paced = this.#rate.apply(rules.get(firing.ruleId), firing);
          firings.push(paced.firing);
          if (paced.suppression) suppressions.push(paced.suppression);
        }
        emits.push(...out.emits);
        for (const tid of out.cancelledTimers ?? []) {
          queue.remove(tid);
          created.delete(tid);
          cancelled.add(tid);
        }
        for (const t of out.timers) {
          queue.add(t);
          created.set(t.id, t);
          cancelled.delete(t.id);
          fired.delete(t.id);
        }
        if (out.suppressions) suppressions.push(...out.suppressions);
        if (out.goalHits) goalHits.push(...out.goalHits);
        if (out.late) late++;
        for (const ruleId of out.windowTrims ?? []) windowTrims.set(ruleId, (windowTrims.get(ruleId) ?? 0) + 1);
        for (const e of out.errors) ruleErrors.push({ ruleId: e.ruleId, eventId: id, message: e.message, at: now });
        if (out.eventError) failures.push({ eventId: id, partition, cursor, stage: 'profile', error: out.eventError, at: now });
      } catch (error) {
        // A bug must not stall the pipeline behind one input: it is recorded and passed over.
        failures.push({ eventId: id, partition, cursor, stage: 'step', error: errorText(error), at: now });
      } finally {
        this.watch?.end();
      }
    };
    // While isolating a failing input, a batch is one input, event or timer.
    const single = this.#isolating > 0;
    const full = () => single && eventCount + timerCount >= 1;
    // With `truncated`, nothing may run past the last stored timer read (unread ones sort after it, by due time then id).
    const last = truncated ? stored[stored.length - 1] : undefined;
    let cursor = this.#cursor ?? null;
    let lastInput: Batch['lastInput'];
    const fireDue = async (until: number): Promise<void> => {
      for (let timer = queue.takeDue(until, true); timer; timer = queue.takeDue(until, true)) {
        if (full() || (last && (timer.dueAt > last.dueAt || (timer.dueAt === last.dueAt && timer.id > last.id)))) {
          queue.add(timer); // not this batch's: an unread stored timer may come first
          return;
        }
        timerCount++;
        fired.add(timer.id);
        created.delete(timer.id);
        lastInput = { id: timer.id, cursor, timer: true };
        if (!pinned.has(timer.subject)) for (const [sid, subject] of await this.pin([timer.subject])) pinned.set(sid, subject);
        run({ kind: 'timer', timer }, timer.id, timer.subject, cursor ?? '');
      }
    };
    for (const event of events) {
      if (last && event.receivedAt > last.dueAt) break; // an unread timer may be due before it
      if (queue.size && queue.nextDueAt()! < event.receivedAt) await fireDue(event.receivedAt - 1); // no await when nothing is due
      if (full()) break;
      cursor = event.cursor;
      lastInput = { id: event.id, cursor, timer: false };
      eventCount++;
      if (!this.#skip?.has(event.id)) run({ kind: 'event', event }, event.id, event.subject, event.cursor);
      if (full()) break;
    }
    const allEvents = eventCount === events.length;
    if (last) await fireDue(last.dueAt);
    else if (caughtUp && allEvents) await fireDue(now - CAUGHT_UP_DELAY_MS);

    const deliveries = firings.flatMap((f) => f.deliveries);
    const work: ProcessedBatch = {
      consumer: PROCESSOR_CONSUMER, partition, from: this.#cursor ?? null, to: cursor,
      subjects: [...changed].map(([id, read]) => toWrite(pinned.get(id)!, read)), firings, emits, timers: [...created.values()], firedTimers: [...fired],
      cancelledTimers: [...cancelled], suppressions, goalHits, failures,
      ruleErrors: newestPerRule(ruleErrors), fresh: deliveries.length ? this.options.pickFresh?.(deliveries, now) : undefined,
    };
    const ruleErrorCounts = new Map<string, number>();
    for (const e of ruleErrors) ruleErrorCounts.set(e.ruleId, (ruleErrorCounts.get(e.ruleId) ?? 0) + 1);
    return {
      from: this.#cursor ?? null, inputs: eventCount + timerCount, events: eventCount, timers: timerCount, late, windowTrims, work, pinned, ruleErrorCounts, lastInput,
    };
  }

  /** The states of `ids` for this batch: from the cache, else from the store (absent → version 0). */
  private async pin(ids: readonly string[]): Promise<Map<string, StoredSubject>> {
    const pinned = new Map<string, StoredSubject>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const cached = this.#subjects.get(id);
      if (cached) pinned.set(id, cached);
      else missing.push(id);
    }
    if (missing.length) {
      const loaded = await this.store.loadSubjects(this.options.partition, missing);
      for (const [id, subject] of loaded) pinned.set(id, subject);
    }
    return pinned;
  }

  /** Only committed states enter the cache, each with the version the store now holds. */
  private committed(batch: Batch, work: ProcessedBatch): void {
    this.#cursor = work.to ?? this.#cursor ?? null;
    const written = new Set(work.subjects.map((s) => s.state.id));
    for (const [id, subject] of batch.pinned) {
      this.#subjects.set(written.has(id) ? { state: subject.state, version: subject.version + 1 } : subject);
    }
    if (batch.lastInput) this.#commitFailures.delete(batch.lastInput.id);
  }

  /**
   * A commit failed, so nothing of the batch was stored. Fenced: someone else moved the cursor or a subject;
   * forget what we know. Otherwise one input may be poison (a profile too large to store, a value the store
   * refuses): go one input per batch over this batch's inputs, and an input that fails alone COMMIT_TRIES
   * times is committed as a recorded failure, without its effects, so the partition moves on.
   */
  private async commitFailed(batch: Batch, error: Error, now: number): Promise<void> {
    this.hooks.onBatchError?.(error, batch.inputs);
    if (error instanceof FencedError) {
      this.#subjects.clear();
      this.#cursor = undefined;
      this.#skip = undefined;
      return;
    }
    if (batch.inputs > 1) {
      this.#isolating = Math.max(this.#isolating, batch.inputs);
      return;
    }
    const last = batch.lastInput;
    if (!last) return;
    const tries = (this.#commitFailures.get(last.id) ?? 0) + 1;
    this.#commitFailures.set(last.id, tries);
    if (tries < COMMIT_TRIES) return;
    const failure: EventFailure = { eventId: last.id, partition: this.options.partition, cursor: last.cursor ?? '', stage: 'commit', error: errorText(error), at: now };
    const work: ProcessedBatch = {
      ...batch.work, subjects: [], firings: [], emits: [], timers: [], cancelledTimers: [], suppressions: [], goalHits: [], ruleErrors: [], failures: [failure], fresh: undefined,
    };
    await this.store.commit(work); // if even this fails, the store itself is broken: the run loop backs off and retries
    this.committed({ ...batch, pinned: new Map() }, work);
    this.#isolating = Math.max(0, this.#isolating - 1);
    this.hooks.onCommitted?.({ events: last.timer ? 0 : 1, timers: last.timer ? 1 : 0, firings: [], emits: 0, failures: [failure], ruleErrors: [], durationMs: 0 });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() { clearTimeout(timer); resolve(); }
      this.#idle = () => { this.#idle = undefined; done(); };
    });
  }
}

/** A changed subject for the commit, saying which part is still the one stored (the store then writes the other only). */
function toWrite(subject: StoredSubject, read: StoredSubject | undefined): StoredSubject {
  if (!read || read.version === 0) return subject;
  if (subject.state.attributes === read.state.attributes) return { ...subject, unchanged: 'attributes' };
  if (subject.state.memory === read.state.memory) return { ...subject, unchanged: 'memory' };
  return subject;
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  return text.length > ERROR_TEXT_MAX ? `${text.slice(0, ERROR_TEXT_MAX)}…` : text;
}

/** A rule failing on every event would write a row per event: a batch keeps the newest few per rule. */
function newestPerRule(errors: readonly RuleError[], keep = 5): RuleError[] {
  const counts = new Map<string, number>();
  const kept: RuleError[] = [];
  for (let i = errors.length - 1; i >= 0; i--) {
    const n = counts.get(errors[i].ruleId) ?? 0;
    if (n >= keep) continue;
    counts.set(errors[i].ruleId, n + 1);
    kept.push(errors[i]);
  }
  return kept.reverse();
}
