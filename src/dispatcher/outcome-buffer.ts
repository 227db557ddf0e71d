// Collects attempt outcomes and writes everything that finished within 20 ms (or 1000 of them) with one
// outbox.record call (one transaction) instead of one per attempt. A failed write is tried again a few
// times; after that the rows stay leased until their lease expires and they are taken back.
import type { AttemptRecord } from '../store/contracts.ts';

export class OutcomeBuffer {
  #pending: AttemptRecord[] = [];
  #scheduled = false;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (records: readonly AttemptRecord[]) => Promise<{ stale: string[] }>,
    private readonly onWritten: (records: readonly AttemptRecord[], error: unknown, stale: readonly string[]) => void,
    private readonly retryDelaysMs: readonly number[] = [100, 1000, 3000],
    private readonly everyMs = 20,
    private readonly maxRecords = 1000,
  ) {}

  add(record: AttemptRecord): void {
    this.#pending.push(record);
    if (this.#pending.length >= this.maxRecords) {
      void this.#flush();
      return;
    }
    if (this.#scheduled) return;
    this.#scheduled = true;
    // Outcomes of a few milliseconds share one transaction and one message: the pipeline thread writes
    // them between its own commits, and each write costs it a turn.
    this.#timer = setTimeout(() => void this.#flush(), this.everyMs);
  }

  /** Resolves when everything added so far is written (or failed to be). */
  async flush(): Promise<void> {
    await this.#flush();
  }

  #flush(): Promise<void> {
    this.#scheduled = false;
    clearTimeout(this.#timer);
    if (!this.#pending.length) return this.#writing;
    const batch = this.#pending;
    this.#pending = [];
    // Writes stay in order: an outcome is never overtaken by an older one for the same delivery.
    this.#writing = this.#writing.then(async () => {
      let failure: unknown = null;
      for (let tries = 0; ; tries++) {
        try {
          const { stale } = await this.write(batch);
          this.onWritten(batch, null, stale);
          return;
        } catch (error) {
          failure = error;
        }
        if (tries >= this.retryDelaysMs.length) break;
        await new Promise((resolve) => setTimeout(resolve, this.retryDelaysMs[tries]));
      }
      this.onWritten(batch, failure, []);
    });
    return this.#writing;
  }
}
