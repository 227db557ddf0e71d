// Group commit: appends that arrive while the writer is busy wait for one shared transaction and fsync.
import type { AppendStatus, EncodedEvent } from '../store/contracts.ts';

interface Pending {
  readonly events: readonly EncodedEvent[];
  readonly done: (result: AppendStatus[] | Error) => void;
}

export class GroupCommit {
  #queue: Pending[] = [];
  #scheduled = false;

  constructor(
    private readonly appendAll: (events: readonly EncodedEvent[]) => AppendStatus[],
    private readonly afterCommit: (summary: { requests: number; events: number }) => void,
  ) {}

  submit(events: readonly EncodedEvent[], done: Pending['done']): void {
    this.#queue.push({ events, done });
    if (!this.#scheduled) {
      this.#scheduled = true;
      // setImmediate runs after the messages already waiting are delivered, so they join this commit.
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    if (!batch.length) return;
    let results: AppendStatus[];
    try {
      results = this.appendAll(batch.length === 1 ? batch[0].events : batch.flatMap((p) => p.events));
    } catch (error) {
      for (const p of batch) p.done(error as Error);
      return;
    }
    let offset = 0;
    for (const p of batch) {
      p.done(results.slice(offset, offset + p.events.length));
      offset += p.events.length;
    }
    this.afterCommit({ requests: batch.length, events: offset });
  }
}
