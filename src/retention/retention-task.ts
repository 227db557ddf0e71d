// The retention task of the pipeline thread (the single writer): every IFTHEN_RETENTION_INTERVAL_MS it deletes
// what is past its period, kind by kind, in transactions sized to hold the write lock about IFTHEN_RETENTION_BATCH_MS,
// and yields to the event loop after each one (for at least five times as long as it held it), so ingest
// group commits and the processor's batches keep interleaving. Then it returns excess free pages the same way.
import type { RetentionConfig } from '../config.ts';
import type { RetentionKind, RetentionStore } from '../store/retention.ts';
import { cutoffs } from './policy.ts';

export interface RetentionHooks {
  onDeleted?(kind: RetentionKind, rows: number): void;
  onReclaimed?(pages: number): void;
  /** Each transaction: how long it held the write lock (deletes of a kind, or `reclaim` for returned pages). */
  onStep?(kind: RetentionKind | 'reclaim', ms: number): void;
  /** A step waited for the store to catch up (RetentionStore.backlogged). */
  onWait?(ms: number): void;
  onPass?(pass: PassSummary): void;
  onError?(error: Error): void;
}

export interface PassSummary {
  readonly startedAt: number;
  readonly ms: number;
  readonly deleted: Readonly<Partial<Record<RetentionKind, number>>>;
  readonly reclaimedPages: number;
  /** The longest single transaction of the pass. */
  readonly longestStepMs: number;
}

const FIRST_ROWS = 500;
const MAX_ROWS = 20_000;
const FIRST_PAGES = 128;
/** How long to wait before looking again at a backlogged store. */
const BACKLOG_WAIT_MS = 100;
/** The thread rests this many times as long as a step held the write lock before the next one. */
const REST_FACTOR = 5;
/**
 * A pass still running after one interval is falling behind what arrives (a loaded machine makes every step slow,
 * so the batches shrink and the rests grow): from then on it deletes at least this many rows a step, rests only as
 * long as it held the lock, and waits for a backlogged WAL at most BEHIND_MAX_WAIT_MS. Ingest latency suffers a
 * little on a machine that is already overloaded; the disk does not fill up.
 */
const BEHIND_MIN_ROWS = 2_000;
const BEHIND_REST_FACTOR = 1;
const BEHIND_MAX_WAIT_MS = 1_000;

/** Grows or shrinks a batch so that one step takes about `targetMs`. */
class BatchSize {
  constructor(public value: number, private readonly min: number, private readonly max: number, private readonly targetMs: number) {}

  adjust(ms: number): void {
    if (ms < this.targetMs / 2) this.value = Math.min(this.max, this.value * 2);
    else if (ms > this.targetMs) this.value = Math.max(this.min, Math.floor(this.value / 2));
  }
}

export class RetentionTask {
  readonly #rows = new Map<string, BatchSize>();
  readonly #pages: BatchSize;
  #timer: NodeJS.Timeout | undefined;
  #current: Promise<PassSummary> | undefined;
  #stopped = false;

  constructor(
    private readonly store: RetentionStore,
    private readonly config: RetentionConfig,
    private readonly now: () => number,
    private readonly hooks: RetentionHooks = {},
  ) {
    this.#pages = new BatchSize(FIRST_PAGES, 8, 4096, Math.max(0.5, config.batchMs));
  }

  /** The first pass soon after start (what accumulated while the server was down), then one per interval. */
  start(firstAfterMs = 1_000): void {
    if (this.config.intervalMs > 0) this.#schedule(firstAfterMs);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#current?.catch(() => undefined);
  }

  /** One whole pass; resolves when every kind is swept and excess free pages returned (or the task stopped). */
  runPass(): Promise<PassSummary> {
    this.#current ??= this.#pass().finally(() => { this.#current = undefined; });
    return this.#current;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.runPass().then((pass) => this.hooks.onPass?.(pass), (error: Error) => this.hooks.onError?.(error))
        .finally(() => this.#schedule(this.config.intervalMs));
    }, ms);
    this.#timer.unref();
  }

  async #pass(): Promise<PassSummary> {
    const startedAt = this.now();
    const started = performance.now();
    const deleted: Partial<Record<RetentionKind, number>> = {};
    let longestStepMs = 0;
    const behind = () => performance.now() - started > this.config.intervalMs;
    for (const [kind, cutoff] of cutoffs(this.config, startedAt)) {
      const sweep = this.store.sweep(kind, cutoff);
      const size = this.#sizeFor(kind);
      while (!this.#stopped) {
        if (await this.#waitForStore(behind())) break;
        const t = performance.now();
        const { deleted: rows, done } = sweep.step(behind() ? Math.max(size.value, BEHIND_MIN_ROWS) : size.value);
        const ms = performance.now() - t;
        longestStepMs = Math.max(longestStepMs, ms);
        this.hooks.onStep?.(kind, ms);
        if (done) break;
        size.adjust(ms);
        if (rows) { deleted[kind] = (deleted[kind] ?? 0) + rows; this.hooks.onDeleted?.(kind, rows); }
        await rest(ms, behind() ? BEHIND_REST_FACTOR : REST_FACTOR);
      }
    }
    let reclaimedPages = 0;
    for (let excess = this.store.excessFreePages(); excess > 0 && !this.#stopped; excess = this.store.excessFreePages()) {
      if (await this.#waitForStore(behind())) break;
      const t = performance.now();
      const pages = this.store.reclaim(Math.min(excess, this.#pages.value));
      const ms = performance.now() - t;
      longestStepMs = Math.max(longestStepMs, ms);
      this.hooks.onStep?.('reclaim', ms);
      this.#pages.adjust(ms);
      if (pages <= 0) break;
      reclaimedPages += pages;
      this.hooks.onReclaimed?.(pages);
      await rest(ms, behind() ? BEHIND_REST_FACTOR : REST_FACTOR);
    }
    return { startedAt, ms: performance.now() - started, deleted, reclaimedPages, longestStepMs };
  }

  /**
   * Waits while the store is backlogged (see RetentionStore.backlogged), at most BEHIND_MAX_WAIT_MS when the pass
   * is behind; true when the task was stopped meanwhile.
   */
  async #waitForStore(behind: boolean): Promise<boolean> {
    const until = behind ? performance.now() + BEHIND_MAX_WAIT_MS : Infinity;
    while (!this.#stopped && this.store.backlogged() && performance.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, BACKLOG_WAIT_MS));
      this.hooks.onWait?.(BACKLOG_WAIT_MS);
    }
    return this.#stopped;
  }

  #sizeFor(kind: string): BatchSize {
    let size = this.#rows.get(kind);
    if (!size) this.#rows.set(kind, size = new BatchSize(FIRST_ROWS, 16, MAX_ROWS, Math.max(0.5, this.config.batchMs)));
    return size;
  }
}

/** Lets queued messages (ingest appends, outbox calls) and I/O completions run before the next step. */
function rest(heldMs: number, factor: number): Promise<void> {
  const ms = Math.ceil(heldMs * factor);
  return new Promise((resolve) => (ms >= 1 ? setTimeout(resolve, ms) : setImmediate(resolve)));
}
