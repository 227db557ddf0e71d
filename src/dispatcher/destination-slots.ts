// Concurrency bookkeeping: attempts running in total and per destination, plus a short local queue
// for rows one claim returned beyond a destination's limit (claims then skip that destination).

export interface Slotted {
  readonly destination: string;
}

export class DestinationSlots<T extends Slotted> {
  readonly #running = new Map<string, number>();
  readonly #waiting = new Map<string, T[]>();
  #total = 0;
  #queued = 0;

  constructor(private readonly perDestination: number) {}

  /** Attempts running now (queued rows do not take a global slot: they must not crowd out other hosts). */
  get running(): number {
    return this.#total;
  }

  get queued(): number {
    return this.#queued;
  }

  /** Attempts running or queued per destination (destinations with none are absent). */
  load(): Record<string, number> {
    const load: Record<string, number> = {};
    for (const [destination, running] of this.#running) load[destination] = running;
    for (const [destination, waiting] of this.#waiting) load[destination] = (load[destination] ?? 0) + waiting.length;
    return load;
  }

  /** Destinations with no free slot: the claim must not lease more of their rows. */
  busy(): string[] {
    const busy: string[] = [];
    for (const [destination, running] of this.#running) {
      if (running + (this.#waiting.get(destination)?.length ?? 0) >= this.perDestination) busy.push(destination);
    }
    return busy;
  }

  /** Takes a claimed item: true when it may start now (its slot is taken), false when it was queued. */
  admit(item: T): boolean {
    const running = this.#running.get(item.destination) ?? 0;
    if (running < this.perDestination) {
      this.#take(item.destination, running);
      return true;
    }
    const waiting = this.#waiting.get(item.destination) ?? [];
    waiting.push(item);
    this.#waiting.set(item.destination, waiting);
    this.#queued++;
    return false;
  }

  /** Frees the slot of a finished item; returns the next queued item of that destination, its slot taken. */
  release(destination: string): T | undefined {
    const running = (this.#running.get(destination) ?? 1) - 1;
    this.#total--;
    if (running > 0) this.#running.set(destination, running);
    else this.#running.delete(destination);
    const next = this.#waiting.get(destination)?.shift();
    if (!next) return undefined;
    this.#queued--;
    if (!this.#waiting.get(destination)!.length) this.#waiting.delete(destination);
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
