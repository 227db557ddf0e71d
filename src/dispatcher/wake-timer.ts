// Runs one task at a time at the earliest moment anyone asked for. Asks made while the task runs are
// kept and applied when it ends, together with the next time the task itself asks for.

export class WakeTimer {
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #afterRun = Infinity;
  #running: Promise<void> | null = null;
  #enabled = true;

  /** `task` returns when it wants to run again (ms since the epoch, like `now()`). */
  constructor(private readonly task: () => Promise<number>, private readonly now: () => number) {}

  /** Runs the task at `time`, unless a run is already due sooner. */
  at(time: number): void {
    if (!this.#enabled) return;
    if (this.#running) {
      this.#afterRun = Math.min(this.#afterRun, time);
      return;
    }
    if (this.#timer && this.#timerAt <= time) return;
    this.#clear();
    this.#timerAt = time;
    this.#timer = setTimeout(() => void this.#fire(), Math.max(0, time - this.now()));
  }

  /** No more runs; resolves when a run in progress has ended. */
  async disable(): Promise<void> {
    this.#enabled = false;
    this.#clear();
    await this.#running;
  }

  async #fire(): Promise<void> {
    this.#clear();
    if (!this.#enabled || this.#running) return;
    let next = Infinity;
    this.#running = this.task().then((time) => { next = time; });
    try {
      await this.#running;
    } finally {
      this.#running = null;
    }
    next = Math.min(next, this.#afterRun);
    this.#afterRun = Infinity;
    if (next !== Infinity) this.at(next);
  }

  #clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }
}
