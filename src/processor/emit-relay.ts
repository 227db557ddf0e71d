// The emit relay: moves events that rules emitted from the processor's emit outbox (written in its commit)
// into the log. Appending is idempotent by event id, so a crash between append and removal only repeats
// an append that the log answers `duplicate`. (In the cluster the log dedupes with `Nats-Msg-Id`.)
import type { EventLog, PipelineStore } from '../store/contracts.ts';

export class EmitRelay {
  #running = false;
  #again = false;
  #stopped = false;
  #current: Promise<void> = Promise.resolve();
  #retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: PipelineStore,
    private readonly log: EventLog,
    private readonly onError: (error: Error) => void,
    private readonly batchSize = 500,
  ) {}

  /** Emits were committed (or may be waiting from before a restart): relay them now. */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) { this.#again = true; return; }
    this.#running = true;
    this.#current = this.#drain().finally(() => { this.#running = false; });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    await this.#current;
  }

  async #drain(): Promise<void> {
    try {
      do {
        this.#again = false;
        for (;;) {
          const events = await this.store.pendingEmits(this.batchSize);
          if (!events.length) break;
          await this.log.append(events);
          await this.store.emitsRelayed(events.map((e) => e.id));
          if (this.#stopped) return;
        }
      } while (this.#again && !this.#stopped);
    } catch (error) {
      this.onError(error as Error);
      if (!this.#stopped) this.#retry = setTimeout(() => this.wake(), 1000);
    }
  }
}
