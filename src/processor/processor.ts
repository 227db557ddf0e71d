// The processor: reads the log after its committed position, runs the engine core on each event, and
// commits state, firings, outbox rows, emitted events and the new position in one transaction.
import type { EventLog, PipelineStore } from '../store/contracts.ts';
import type { EngineOptions, Firing, SubjectState } from '../engine/types.ts';
import { IDENTIFY_EVENT_TYPE, type NewEvent } from '../engine/event.ts';
import { step } from '../engine/step.ts';
import type { RuleCache } from './rule-cache.ts';
import { SubjectCache } from './subject-cache.ts';

export const PROCESSOR_CONSUMER = 'processor';

export interface ProcessorHooks {
  /** After each committed batch. */
  onCommitted?(summary: { events: number; firings: readonly Firing[]; position: number; durationMs: number }): void;
  onEventError?(eventId: string, error: Error): void;
  onBatchError?(error: Error): void;
}

export interface ProcessorOptions {
  readonly batchSize: number;
  readonly engine: EngineOptions;
  readonly now: () => number;
}

export class Processor {
  readonly #subjects = new SubjectCache(20_000);
  #position: number | undefined;
  #running = false;
  #idle: (() => void) | undefined;
  #loop: Promise<void> | undefined;

  constructor(
    private readonly log: EventLog,
    private readonly store: PipelineStore,
    private readonly rules: RuleCache,
    private readonly options: ProcessorOptions,
    private readonly hooks: ProcessorHooks = {},
  ) {}

  start(): void {
    this.#running = true;
    this.#loop = this.run();
  }

  /** New events were appended: process them now rather than at the next poll. */
  wake(): void {
    this.#idle?.();
  }

  /** Finishes the batch in progress, then stops. */
  async stop(): Promise<void> {
    this.#running = false;
    this.wake();
    await this.#loop;
  }

  get position(): number {
    return this.#position ?? 0;
  }

  private async run(): Promise<void> {
    while (this.#running) {
      let processed = 0;
      try {
        processed = await this.processBatch();
      } catch (error) {
        // The transaction rolled back; forget cached state that it may have changed, and retry.
        this.#subjects.clear();
        this.#position = undefined;
        this.hooks.onBatchError?.(error as Error);
        await this.sleep(1000);
        continue;
      }
      if (processed === 0) await this.sleep(1000);
      else await new Promise((resolve) => setImmediate(resolve)); // let ingest and deliveries in between batches
    }
  }

  /** Processes at most one batch; returns how many events it consumed. */
  async processBatch(): Promise<number> {
    if (this.#position === undefined) this.#position = await this.store.position(PROCESSOR_CONSUMER);
    const events = await this.log.readAfter(this.#position, this.options.batchSize);
    if (!events.length) return 0;
    const started = performance.now();
    const now = this.options.now();
    const rules = this.rules.current();
    // Only subjects that a rule or an identify will read are loaded; other events leave state untouched.
    await this.preload(events.filter((e) => e.type === IDENTIFY_EVENT_TYPE || rules.candidates(e.type).length > 0).map((e) => e.subject));

    const changed = new Map<string, SubjectState>();
    const firings: Firing[] = [];
    const emits: NewEvent[] = [];
    for (const event of events) {
      const subject = this.#subjects.get(event.subject) ?? { id: event.subject, attributes: Object.create(null) };
      try {
        const out = step(rules, subject, { kind: 'event', event }, { now }, this.options.engine);
        if (out.subjectChanged) {
          this.#subjects.set(out.subject);
          changed.set(out.subject.id, out.subject);
        }
        firings.push(...out.firings);
        emits.push(...out.emits);
      } catch (error) {
        // A bug must not stall the pipeline behind one event: report it and move on.
        this.hooks.onEventError?.(event.id, error as Error);
      }
    }
    const position = events[events.length - 1].seq;
    await this.store.commit({ consumer: PROCESSOR_CONSUMER, position, subjects: [...changed.values()], firings, emits, timers: [] });
    this.#position = position;
    this.hooks.onCommitted?.({ events: events.length, firings, position, durationMs: performance.now() - started });
    return events.length;
  }

  private async preload(ids: readonly string[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.#subjects.get(id));
    if (!missing.length) return;
    const loaded = await this.store.loadSubjects(missing);
    for (const id of missing) this.#subjects.set(loaded.get(id) ?? { id, attributes: Object.create(null) });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() { clearTimeout(timer); resolve(); }
      this.#idle = () => { this.#idle = undefined; done(); };
    });
  }
}
