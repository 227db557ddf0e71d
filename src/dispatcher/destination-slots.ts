// Concurrency bookkeeping: attempts running in total and per destination, plus a local queue per
// destination for rows beyond its running limit. The queue is sized by the destination's recent latency,
// so that a row waits about `waitBudgetMs` at most: a fast host takes up to `maxFactor` x its slots of
// fresh work at once (no claim round trip), a slow one only its slots.

export interface Slotted {
  readonly destination: string;
}

export interface QueueSizing {
  /** How long a queued row should wait at most (the dispatcher uses a tenth of the lease). */
  readonly waitBudgetMs: number;
  /** Running plus queued per destination is at most this many times its slots. Default 16. */
  readonly maxFactor?: number;
}

/** Destinations whose latency is remembered (a templated host can make many); the oldest is forgotten. */
const REMEMBERED = 1024;

export class DestinationSlots<T extends Slotted> {
  readonly #running = new Map<string, number>();
  readonly #waiting = new Map<string, T[]>();
  /** Smoothed attempt latency (ms) per destination. */
  readonly #latency = new Map<string, number>();
  readonly #waitBudgetMs: number;
  readonly #maxFactor: number;
  #total = 0;
  #queued = 0;

  constructor(private readonly perDestination: number, sizing: QueueSizing = { waitBudgetMs: 0 }) {
    this.#waitBudgetMs = sizing.waitBudgetMs;
    this.#maxFactor = Math.max(1, sizing.maxFactor ?? 16);
  }

  /** Attempts running now (queued rows do not take a global slot: they must not crowd out other hosts). */
  get running(): number {
    return this.#total;
  }

  get queued(): number {
    return this.#queued;
  }

  /** Running plus queued rows a destination may hold: its slots times (1 + how many latencies fit in the wait budget). */
  capacity(destination: string): number {
    const latency = this.#latency.get(destination);
    if (latency === undefined) return this.perDestination;
    const factor = Math.min(this.#maxFactor, 1 + Math.floor(this.#waitBudgetMs / Math.max(latency, 0.1)));
    return this.perDestination * factor;
  }

  /** Feeds a finished attempt's duration into its destination's latency. */
  observe(destination: string, latencyMs: number): void {
    const previous = this.#latency.get(destination);
    if (previous === undefined && this.#latency.size >= REMEMBERED) this.#latency.delete(this.#latency.keys().next().value!);
    this.#latency.set(destination, previous === undefined ? latencyMs : previous + (latencyMs - previous) / 8);
  }

  /** Attempts running or queued per destination (destinations with none are absent). */
  load(): Record<string, number> {
    const load: Record<string, number> = {};
    for (const [destination, running] of this.#running) load[destination] = running;
    for (const [destination, waiting] of this.#waiting) load[destination] = (load[destination] ?? 0) + waiting.length;
    return load;
  }

  /** Capacities that differ from the plain per-destination limit (destinations whose latency is known). */
  limits(): Record<string, number> {
    const limits: Record<string, number> = {};
    for (const destination of this.#latency.keys()) {
      const capacity = this.capacity(destination);
      if (capacity !== this.perDestination) limits[destination] = capacity;
    }
    return limits;
  }

  /** Destinations with no room left: the claim must not lease more of their rows. */
  busy(): string[] {
    const busy: string[] = [];
    for (const [destination, running] of this.#running) {
      if (running + (this.#waiting.get(destination)?.length ?? 0) >= this.capacity(destination)) busy.push(destination);
    }
    return busy;
  }

  /** Takes an item: true when it may start now (its slot is taken), false when it was queued. */
  admit(item: T): boolean {
    const running = this.#running.get(item.destination) ?? 0;
    if (running < this.perDestination) {
      this.#take(item.destination, running);
      return true;
    }
    const waiting = this.#waiting.get(item.destination);
    if (waiting) waiting.push(item);
    else this.#waiting.set(item.destination, [item]);
    this.#queued++;
    return false;
  }

  /** Frees the slot of a finished item; returns the next queued item of that destination, its slot taken. */
  release(destination: string): T | undefined {
    const running = (this.#running.get(destination) ?? 1) - 1;
    this.#total--;
    if (running > 0) this.#running.set(destination, running);
    else this.#running.delete(destination);
    const waiting = this.#waiting.get(destination);
    const next = waiting?.shift();
    if (!next) return undefined;
    this.#queued--;
    if (!waiting!.length) this.#waiting.delete(destination);
    this.#take(destination, running);
    return next;
  }

  /** Empties the local queues (on stop: those rows never started and go back with the released leases). */
  drainQueued(): T[] {
    const all = [...this.#waiting.values()].flat();
    this.#waiting.clear();
    this.#queued = 0;
    return all;
  }

  #take(destination: string, running: number): void {
    this.#running.set(destination, running + 1);
    this.#total++;
  }
}
