// Collects attempt outcomes and writes everything that finished in the same turn of the event loop
// with one outbox.record call (one transaction, one fsync) instead of one per attempt.
import type { AttemptRecord } from '../store/contracts.ts';

export class OutcomeBuffer {
  #pending: AttemptRecord[] = [];
  #scheduled = false;
  #writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (records: readonly AttemptRecord[]) => Promise<void>,
    private readonly onWritten: (records: readonly AttemptRecord[], error: unknown) => void,
  ) {}

  add(record: AttemptRecord): void {
    this.#pending.push(record);
    if (this.#scheduled) return;
    this.#scheduled = true;
    // A few milliseconds of outcomes share one transaction: fewer turns at the write lock the pipeline also needs.
    setTimeout(() => void this.#flush(), 5);
  }

  /** Resolves when everything added so far is written (or failed to be). */
  async flush(): Promise<void> {
    await this.#flush();
  }

  #flush(): Promise<void> {
    this.#scheduled = false;
    if (!this.#pending.length) return this.#writing;
    const batch = this.#pending;
    this.#pending = [];
    // Writes stay in order: an outcome is never overtaken by an older one for the same delivery.
    this.#writing = this.#writing.then(async () => {
      let failure: unknown = null;
      try {
        await this.write(batch);
      } catch (error) {
        failure = error;
      }
      this.onWritten(batch, failure);
    });
    return this.#writing;
  }
}
