// The dispatcher: leases due outbox rows, runs their actions within global and per-destination
// limits, and records each attempt's outcome (delivered, retry at a time, or dead). See ARCHITECTURE.md.
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createActionRuntime, createRedactor, type ActionRuntime, type Redactor } from '../actions/index.ts';
import type { AttemptRecord, Delivery, LeasedDelivery, OutboxStore } from '../store/contracts.ts';
import { LEASE_MARGIN_MS, resolveDispatcherConfig, type DispatcherConfig, type ResolvedDispatcherConfig } from './config.ts';
import { DestinationSlots } from './destination-slots.ts';
import { dispatcherMetrics, type DispatcherMetrics } from './metrics.ts';
import { OutcomeBuffer } from './outcome-buffer.ts';
import { runAttempt } from './run-attempt.ts';
import { afterFailure } from './retry-policy.ts';
import type { DispatchCredit } from './fresh-work.ts';
import { WakeTimer } from './wake-timer.ts';

/** Leased rows a dispatcher holds (running plus queued locally) stay within this many times its global limit. */
const QUEUE_FACTOR = 16;
/**
 * A fast destination may hold this many times its slots (within QUEUE_FACTOR x the global limit): enough
 * for a few processor batches, so that a backlog to one host is handed over instead of claimed again.
 */
const DESTINATION_FACTOR = 64;
/** Credits for fresh work go out at most this often. */
const CREDIT_EVERY_MS = 2;
/** A queued row with less lease left than this (beyond the margin; less for very short leases) is not started. */
const MIN_ATTEMPT_MS = 1000;

/** Marks which delivery is being rendered, for the watchdog (see app/stall-watch.ts). */
export interface RenderWatch {
  begin(deliveryId: string): void;
  end(): void;
}

export interface DispatcherDeps {
  readonly outbox: OutboxStore;
  /** Current secret values by name, read per claim (templates see them as `secrets.NAME`). */
  readonly secrets: () => Promise<Readonly<Record<string, string>>> | Readonly<Record<string, string>>;
  /** The `whsec_` secrets that sign this delivery's webhook requests, newest first; empty: unsigned. */
  readonly signingSecrets: (delivery: Delivery) => readonly string[];
  readonly watch?: RenderWatch;
  /** Where to send this dispatcher's room for fresh work (fresh-work.ts); none: it only claims. */
  readonly offer?: (credit: DispatchCredit) => void;
  readonly config: DispatcherConfig;
  readonly logger: Logger;
  readonly registry?: Registry;
  readonly now?: () => number;
  /** For tests of the jitter; Math.random by default. */
  readonly random?: () => number;
}

interface InFlight {
  readonly delivery: LeasedDelivery;
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
  readonly #slots: DestinationSlots<LeasedDelivery>;
  readonly #outcomes: OutcomeBuffer;
  readonly #inFlight = new Map<string, InFlight>();
  /** One signal for every attempt: aborted when stop() gives up on the attempts still running. */
  readonly #abandon = new AbortController();
  #state: State = 'idle';
  #startup: Promise<void> = Promise.resolve();
  #stopped: Promise<void> | undefined;
  #reclaimTimer: NodeJS.Timeout | undefined;
  #creditScheduled = false;
  #dueBehindBusy = false;
  #secretsReady = false;
  /** Fresh batches handed over by the pipeline, launched in order once the secrets are current. */
  #acceptance: Promise<void> = Promise.resolve();
  readonly #wake: WakeTimer;
  /** Secret values and their redactor, read once per look at the outbox (before anything is leased). */
  #secrets: { values: Readonly<Record<string, string>>; redact: Redactor } = { values: {}, redact: createRedactor({}) };

  constructor(private readonly deps: DispatcherDeps) {
    this.#outbox = deps.outbox;
    this.#config = resolveDispatcherConfig(deps.config);
    this.#logger = deps.logger;
    this.#now = deps.now ?? Date.now;
    this.#metrics = dispatcherMetrics(deps.registry, () => this.#inFlight.size);
    // A queued row should start within a tenth of its lease (its attempt is then cut to what is left).
    this.#slots = new DestinationSlots(this.#config.perDestinationConcurrency, { waitBudgetMs: this.#config.leaseMs / 10, maxFactor: DESTINATION_FACTOR });
    this.#runtime = createActionRuntime({
      logger: deps.logger, defaultTimeoutMs: this.#config.defaultTimeoutMs, maxTimeoutMs: this.#config.leaseMs - LEASE_MARGIN_MS,
      connectionsPerDestination: this.#config.perDestinationConcurrency, allowPrivateTargets: this.#config.allowPrivateTargets,
      signingSecrets: deps.signingSecrets, userAgent: this.#config.userAgent, smtp: this.#config.smtp, renderLimits: this.#config.render,
    });
    this.#wake = new WakeTimer(() => this.#look(), this.#now);
    setMaxListeners(0, this.#abandon.signal); // one listener per attempt in flight
    this.#outcomes = new OutcomeBuffer((records) => this.#outbox.record(records), (records, error, stale) => this.#written(records, error, stale));
  }

  /**
   * Starts the loop. When this is the only live dispatcher (embedded mode), leases of other owners belong
   * to runs that died and go back to pending at once; otherwise they come back when they expire.
   */
  start(): void {
    if (this.#state !== 'idle') return;
    this.#state = 'running';
    this.#startup = this.#releaseDeadOwners().then(async (released) => {
      // Fresh work may arrive as soon as room is offered: it must render with the secrets, not with none.
      await this.#refreshSecrets();
      return released;
    }).then(
      (released) => { if (released) this.#logger.info({ released }, 'released deliveries leased by a previous run'); },
      (error: unknown) => this.#logger.error({ err: error }, 'could not release old leases'),
    ).finally(() => {
      this.#wake.at(this.#now());
      this.#reclaimTimer = setInterval(() => void this.#reclaim(), this.#config.reclaimEveryMs);
      this.#offerCredit();
    });
  }

  async #releaseDeadOwners(): Promise<number> {
    if (!this.#config.releaseOtherOwnersAtStart) return 0;
    let released = 0;
    for (const owner of await this.#outbox.leaseOwners()) {
      if (owner !== this.#config.owner) released += await this.#outbox.release(owner, this.#now());
    }
    return released;
  }

  /** Leases that expired (an outcome that could not be written, a dispatcher that died) come back to pending. */
  async #reclaim(): Promise<void> {
    try {
      const reclaimed = await this.#outbox.reclaimExpired(this.#now());
      if (reclaimed) {
        this.#logger.warn({ reclaimed }, 'took back deliveries whose lease expired; they will be retried');
        this.wake();
      }
    } catch (error) {
      this.#logger.error({ err: error }, 'could not take back expired leases; trying again');
    }
  }

  /** New deliveries were committed or replayed: look at the outbox now. */
  wake(): void {
    if (this.#state === 'running') this.#wake.at(this.#now());
  }

  /**
   * Deliveries the processor leased to this dispatcher in its own commit (no claim round trip). Stopping:
   * they are left leased and released with the others by stop().
   */
  accept(deliveries: readonly LeasedDelivery[]): void {
    if (this.#state !== 'running') return;
    // A secret saved just before the event that fired may be newer than the last look's copy: read the
    // current ones first (one indexed read when nothing changed). Until then the rows stay leased; if the
    // read fails they come back when their lease expires, like any attempt that never started.
    this.#acceptance = this.#acceptance.then(() => this.#refreshSecrets()).then(
      () => this.#launchAccepted(deliveries),
      (error: unknown) => this.#logger.error({ err: error, deliveries: deliveries.length }, 'could not read the secrets for fresh deliveries; they run when their lease expires'),
    );
  }

  #launchAccepted(deliveries: readonly LeasedDelivery[]): void {
    // Stopping: rows never launched stay leased and stop() releases them.
    if (this.#state !== 'running') return;
    for (const delivery of deliveries) {
      if (delivery.lease.owner !== this.#config.owner) continue; // meant for a dispatcher this one replaced
      if (this.#slots.admit(delivery)) this.#launch(delivery);
    }
    this.#offerCredit();
  }

  /**
   * Tells the pipeline how much fresh work can be handed over now; at most once per CREDIT_EVERY_MS (a
   * message per finished attempt would cost the pipeline thread more than the credit is worth).
   */
  #offerCredit(): void {
    if (!this.deps.offer || this.#creditScheduled || this.#state !== 'running' || !this.#secretsReady) return;
    this.#creditScheduled = true;
    setTimeout(() => {
      this.#creditScheduled = false;
      if (this.#state !== 'running') return;
      const { owner, leaseMs, globalConcurrency, perDestinationConcurrency } = this.#config;
      // Rows held (running or queued) stay within QUEUE_FACTOR x the global limit: leased rows kept in memory are bounded.
      const held = this.#slots.running + this.#slots.queued;
      this.deps.offer!({
        owner, leaseMs, free: Math.max(0, globalConcurrency * QUEUE_FACTOR - held),
        perDestination: perDestinationConcurrency, limits: this.#slots.limits(), busy: this.#slots.load(),
      });
    }, CREDIT_EVERY_MS);
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
    await this.#acceptance;
    clearInterval(this.#reclaimTimer);
    await this.#wake.disable();
    const neverStarted = this.#slots.drainQueued().length;
    if (!(await settledWithin(this.#pending(), graceMs))) {
      const abandoned = this.#inFlight.size;
      this.#abandon.abort(new Error('dispatcher stopping'));
      await settledWithin(this.#pending(), 1000);
      this.#logger.warn({ abandoned }, 'deliveries still in flight after the grace period were abandoned; they will be retried');
    }
    await this.#outcomes.flush();
    if (wasRunning) {
      const released = await this.#outbox.release(this.#config.owner, this.#now()).catch((error: unknown) => {
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
    const { globalConcurrency, leaseMs, pollMs, owner } = this.#config;
    // Read before claiming: if the secrets cannot be read, nothing is leased and the next look retries.
    await this.#refreshSecrets();
    for (;;) {
      const free = globalConcurrency - this.#slots.running;
      if (free <= 0) return this.#now() + pollMs; // a slot freeing wakes the loop sooner
      const rows = await this.#outbox.claim({ owner, now: this.#now(), limit: free, busyDestinations: this.#slots.busy(), leaseMs });
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
    this.#dueBehindBusy = due !== null && due <= now;
    return due !== null && due > now ? Math.min(due, now + pollMs) : now + pollMs;
  }

  async #refreshSecrets(): Promise<void> {
    const values = await this.deps.secrets();
    if (values !== this.#secrets.values) this.#secrets = { values, redact: createRedactor(values) };
    this.#secretsReady = true;
  }

  #launch(delivery: LeasedDelivery): void {
    const startedAt = this.#now();
    // The attempt must end while the lease holds: a row that waited in the local queue gets what is left.
    const deadline = delivery.lease.until - LEASE_MARGIN_MS;
    if (deadline - startedAt < Math.min(MIN_ATTEMPT_MS, (this.#config.leaseMs - LEASE_MARGIN_MS) / 2)) {
      // Too little lease left to try: not started, not recorded; it comes back when the lease expires.
      this.#logger.warn({ delivery: delivery.id, destination: delivery.destination }, 'delivery waited too long in the local queue; it runs again when its lease expires');
      queueMicrotask(() => this.#freeSlot(delivery));
      return;
    }
    const controller = this.#abandon;
    const { values, redact } = this.#secrets;
    // Rendering runs synchronously inside this call, before the first await: that is what the watchdog watches.
    this.deps.watch?.begin(delivery.id);
    let attempt: ReturnType<typeof runAttempt>;
    try {
      attempt = runAttempt(delivery, { runtime: this.#runtime, secrets: values, redact, signal: controller.signal, now: this.#now, deadline, random: this.deps.random });
    } catch (error) {
      attempt = Promise.reject(error);
    } finally {
      this.deps.watch?.end();
    }
    const done = attempt.then(
      (record) => { if (record) this.#finished(delivery, { ...record, leaseToken: delivery.lease.token }); },
      (error: unknown) => {
        // A bug, not the target: recorded as a failed attempt (retried with back-off), never left leased.
        this.#logger.error({ err: error, delivery: delivery.id }, 'delivery attempt crashed');
        if (!controller.signal.aborted) this.#finished(delivery, crashedAttempt(delivery, startedAt, this.#now(), error, redact, this.deps.random));
      },
    ).finally(() => this.#freeSlot(delivery));
    this.#inFlight.set(delivery.id, { delivery, done });
  }

  #finished(delivery: LeasedDelivery, record: AttemptRecord): void {
    this.#metrics.attempt(delivery.kind, record.outcome, record.latencyMs / 1000);
    this.#slots.observe(delivery.destination, record.latencyMs);
    this.#outcomes.add(record);
    // The common case logs nothing at the usual levels: build no fields for it.
    if (record.outcome === 'delivered' && !this.#logger.isLevelEnabled('debug')) return;
    const fields = { delivery: delivery.id, rule: delivery.ruleId, kind: delivery.kind, destination: delivery.destination, attempt: record.attempt, statusCode: record.statusCode, latencyMs: record.latencyMs };
    if (record.outcome === 'delivered') this.#logger.debug(fields, 'delivered');
    else if (record.outcome === 'retry') this.#logger.info({ ...fields, error: record.error, nextAttemptAt: record.nextAttemptAt }, 'delivery failed; will retry');
    else this.#logger.warn({ ...fields, error: record.error }, 'delivery is dead');
  }

  #freeSlot(delivery: LeasedDelivery): void {
    this.#inFlight.delete(delivery.id);
    const next = this.#slots.release(delivery.destination);
    if (next && this.#state === 'running') this.#launch(next);
    // Only rows left behind a busy destination need a claim when a slot frees; fresh work arrives by itself.
    if (!next && this.#dueBehindBusy) this.wake();
    this.#offerCredit();
  }

  #written(records: readonly AttemptRecord[], error: unknown, stale: readonly string[]): void {
    if (error) {
      // The rows stay leased until their lease expires; then they are taken back and tried again (at least once).
      this.#logger.error({ err: error, deliveries: records.map((r) => r.deliveryId) }, 'could not record delivery outcomes; they will be retried when their lease expires');
      return;
    }
    if (stale.length) this.#logger.warn({ deliveries: stale }, 'outcomes arrived after the lease was taken back; not applied (the deliveries were retried)');
    // A retry may be due before the next scheduled look (short back-offs).
    let soonest = Infinity;
    for (const r of records) if (r.outcome === 'retry' && r.nextAttemptAt !== undefined) soonest = Math.min(soonest, r.nextAttemptAt);
    if (soonest !== Infinity && this.#state === 'running') this.#wake.at(soonest);
  }

  #pending(): Promise<unknown> {
    return Promise.all([...this.#inFlight.values()].map((flight) => flight.done));
  }
}

/** The record of an attempt that threw inside ifthen (not an answer of the target): retried with back-off. */
function crashedAttempt(delivery: LeasedDelivery, startedAt: number, now: number, error: unknown, redact: Redactor, random?: () => number): AttemptRecord {
  const decision = afterFailure({ policy: delivery.policy, attempt: delivery.attemptsSinceReplay + 1, windowStartedAt: delivery.windowStartedAt, now, error, random });
  const message = redact(`internal error: ${error instanceof Error ? error.message : String(error)}`);
  return {
    deliveryId: delivery.id, leaseToken: delivery.lease.token, attempt: delivery.attempts + 1, startedAt, latencyMs: now - startedAt,
    statusCode: null, error: message, response: null, outcome: decision.outcome, ...(decision.outcome === 'retry' ? { nextAttemptAt: decision.nextAttemptAt } : {}),
  };
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

