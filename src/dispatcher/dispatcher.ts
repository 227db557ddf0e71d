// The dispatcher: leases due outbox rows, runs their actions within global and per-destination
// limits, and records each attempt's outcome (delivered, retry at a time, or dead). See ARCHITECTURE.md.
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createActionRuntime, createRedactor, type ActionRuntime, type Redactor } from '../actions/index.ts';
import type { AttemptRecord, Delivery, OutboxStore } from '../store/contracts.ts';
import { LEASE_MARGIN_MS, resolveDispatcherConfig, type DispatcherConfig, type ResolvedDispatcherConfig } from './config.ts';
import { DestinationSlots } from './destination-slots.ts';
import { dispatcherMetrics, type DispatcherMetrics } from './metrics.ts';
import { OutcomeBuffer } from './outcome-buffer.ts';
import { runAttempt } from './run-attempt.ts';
import { WakeTimer } from './wake-timer.ts';

export interface DispatcherDeps {
  readonly outbox: OutboxStore;
  /** Current secret values by name, read per claim (templates see them as `secrets.NAME`). */
  readonly secrets: () => Readonly<Record<string, string>>;
  /** The `whsec_` secrets that sign this delivery's webhook requests, newest first; empty: unsigned. */
  readonly signingSecrets: (delivery: Delivery) => readonly string[];
  readonly config: DispatcherConfig;
  readonly logger: Logger;
  readonly registry?: Registry;
  readonly now?: () => number;
  /** For tests of the jitter; Math.random by default. */
  readonly random?: () => number;
}

interface InFlight {
  readonly delivery: Delivery;
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

type State = 'idle' | 'running' | 'stopping' | 'stopped';

export class Dispatcher {
  readonly #outbox: OutboxStore;
  readonly #config: ResolvedDispatcherConfig;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #metrics: DispatcherMetrics;
  readonly #runtime: ActionRuntime & { close(): Promise<void> };
  readonly #slots: DestinationSlots<Delivery>;
  readonly #outcomes: OutcomeBuffer;
  readonly #inFlight = new Map<string, InFlight>();
  #state: State = 'idle';
  #startup: Promise<void> = Promise.resolve();
  #stopped: Promise<void> | undefined;
  readonly #wake: WakeTimer;
  /** Secret values and their redactor, read once per look at the outbox (before anything is leased). */
  #secrets: { values: Readonly<Record<string, string>>; redact: Redactor } = { values: {}, redact: createRedactor({}) };

  constructor(private readonly deps: DispatcherDeps) {
    this.#outbox = deps.outbox;
    this.#config = resolveDispatcherConfig(deps.config);
    this.#logger = deps.logger;
    this.#now = deps.now ?? Date.now;
    this.#metrics = dispatcherMetrics(deps.registry);
    this.#slots = new DestinationSlots(this.#config.perDestinationConcurrency);
    this.#runtime = createActionRuntime({
      logger: deps.logger, defaultTimeoutMs: this.#config.defaultTimeoutMs, maxTimeoutMs: this.#config.leaseMs - LEASE_MARGIN_MS,
      connectionsPerDestination: this.#config.perDestinationConcurrency, allowPrivateTargets: this.#config.allowPrivateTargets,
      signingSecrets: deps.signingSecrets, userAgent: this.#config.userAgent, smtp: this.#config.smtp,
    });
    this.#wake = new WakeTimer(() => this.#look(), this.#now);
    this.#outcomes = new OutcomeBuffer((records) => this.#outbox.record(records), (records, error) => this.#written(records, error));
  }

  /** Releases leases left by a previous run (embedded mode owns the file), then starts the loop. */
  start(): void {
    if (this.#state !== 'idle') return;
    this.#state = 'running';
    this.#startup = this.#outbox.releaseLeases(this.#now()).then(
      (released) => { if (released) this.#logger.info({ released }, 'released deliveries leased by a previous run'); },
      (error: unknown) => this.#logger.error({ err: error }, 'could not release old leases'),
    ).finally(() => this.#wake.at(this.#now()));
  }

  /** New deliveries were committed or replayed: look at the outbox now. */
  wake(): void {
    if (this.#state === 'running') this.#wake.at(this.#now());
  }

  /**
   * Stops claiming, lets attempts in flight finish for up to `graceMs`, then aborts the rest without
   * recording them; every lease still held (aborted or never started) goes back to pending.
   */
  stop(graceMs: number): Promise<void> {
    this.#stopped ??= this.#stop(graceMs);
    return this.#stopped;
  }

  async #stop(graceMs: number): Promise<void> {
    const wasRunning = this.#state === 'running';
    this.#state = 'stopping';
    await this.#startup;
    await this.#wake.disable();
    const neverStarted = this.#slots.drainQueued().length;
    if (!(await settledWithin(this.#pending(), graceMs))) {
      const abandoned = this.#inFlight.size;
      for (const flight of this.#inFlight.values()) flight.controller.abort(new Error('dispatcher stopping'));
      await settledWithin(this.#pending(), 1000);
      this.#logger.warn({ abandoned }, 'deliveries still in flight after the grace period were abandoned; they will be retried');
    }
    await this.#outcomes.flush();
    if (wasRunning) {
      const released = await this.#outbox.releaseLeases(this.#now()).catch((error: unknown) => {
        this.#logger.error({ err: error }, 'could not release leases on stop');
        return 0;
      });
      if (released) this.#logger.info({ released, neverStarted }, 'released leased deliveries');
    }
    await this.#runtime.close();
    this.#state = 'stopped';
  }

  /** One look at the outbox; returns when to look again. */
  async #look(): Promise<number> {
    try {
      return await this.#claimAndStart();
    } catch (error) {
      this.#logger.error({ err: error }, 'claiming deliveries failed; trying again');
      return this.#now() + this.#config.pollMs;
    }
  }

  /** Claims and starts what the free slots allow; returns when to look again. */
  async #claimAndStart(): Promise<number> {
    const { globalConcurrency, leaseMs, pollMs } = this.#config;
    // Read before claiming: if the secrets cannot be read, nothing is leased and the next look retries.
    const values = this.deps.secrets();
    if (values !== this.#secrets.values) this.#secrets = { values, redact: createRedactor(values) };
    for (;;) {
      const free = globalConcurrency - this.#slots.running;
      if (free <= 0) return this.#now() + pollMs; // a slot freeing wakes the loop sooner
      const rows = await this.#outbox.claim(this.#now(), free, this.#slots.busy(), leaseMs);
      // Stopping: rows just leased are released by stop().
      if (this.#state !== 'running') return this.#now() + pollMs;
      if (!rows.length) break;
      let queued = 0;
      for (const delivery of rows) {
        if (this.#slots.admit(delivery)) this.#launch(delivery);
        else queued++;
      }
      // Fewer rows than asked for and none held back: nothing else is due outside busy destinations.
      if (rows.length < free && !queued) break;
    }
    const now = this.#now();
    const due = await this.#outbox.nextDueAt();
    // Due but not claimed means its destination is busy: a freed slot, not the clock, wakes the loop.
    return due !== null && due > now ? Math.min(due, now + pollMs) : now + pollMs;
  }

  #launch(delivery: Delivery): void {
    const controller = new AbortController();
    const { values, redact } = this.#secrets;
    const done = runAttempt(delivery, {
      runtime: this.#runtime, secrets: values, redact, signal: controller.signal, now: this.#now, random: this.deps.random,
    }).then(
      (record) => { if (record) this.#finished(delivery, record); },
      (error: unknown) => this.#logger.error({ err: error, delivery: delivery.id }, 'delivery attempt crashed; it will be retried after a restart'),
    ).finally(() => this.#freeSlot(delivery));
    this.#inFlight.set(delivery.id, { delivery, controller, done });
    this.#metrics.inFlight(this.#inFlight.size);
  }

  #finished(delivery: Delivery, record: AttemptRecord): void {
    this.#metrics.attempt(delivery.kind, record.outcome, record.latencyMs / 1000);
    this.#outcomes.add(record);
    const fields = { delivery: delivery.id, rule: delivery.ruleId, kind: delivery.kind, destination: delivery.destination, attempt: record.attempt, statusCode: record.statusCode, latencyMs: record.latencyMs };
    if (record.outcome === 'delivered') this.#logger.debug(fields, 'delivered');
    else if (record.outcome === 'retry') this.#logger.info({ ...fields, error: record.error, nextAttemptAt: record.nextAttemptAt }, 'delivery failed; will retry');
    else this.#logger.warn({ ...fields, error: record.error }, 'delivery is dead');
  }

  #freeSlot(delivery: Delivery): void {
    this.#inFlight.delete(delivery.id);
    const next = this.#slots.release(delivery.destination);
    if (next && this.#state === 'running') this.#launch(next);
    this.#metrics.inFlight(this.#inFlight.size);
    if (!next) this.wake();
  }

  #written(records: readonly AttemptRecord[], error: unknown): void {
    if (error) {
      // The rows stay leased; the next start releases them and they are tried again (at least once).
      this.#logger.error({ err: error, deliveries: records.map((r) => r.deliveryId) }, 'could not record delivery outcomes');
      return;
    }
    // A retry may be due before the next scheduled look (short back-offs).
    let soonest = Infinity;
    for (const r of records) if (r.outcome === 'retry' && r.nextAttemptAt !== undefined) soonest = Math.min(soonest, r.nextAttemptAt);
    if (soonest !== Infinity && this.#state === 'running') this.#wake.at(soonest);
  }

  #pending(): Promise<unknown> {
    return Promise.all([...this.#inFlight.values()].map((flight) => flight.done));
  }
}

/** Whether `work` settled within `ms`. */
async function settledWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), ms); });
  try {
    return await Promise.race([work.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
