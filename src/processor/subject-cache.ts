// Recently committed subject states with their versions, so that a busy subject is not read back from the
// store for every batch. Only committed states enter it (after the commit), so eviction can never lose a
// change: a batch works on its own pinned copies (see Processor) whatever the capacity.
import type { StoredSubject } from '../store/contracts.ts';

export class SubjectCache {
  readonly #entries = new Map<string, StoredSubject>();

  constructor(private readonly capacity: number) {}

  get(id: string): StoredSubject | undefined {
    return this.#entries.get(id);
  }

  set(subject: StoredSubject): void {
    this.#entries.delete(subject.state.id);
    this.#entries.set(subject.state.id, subject);
    if (this.#entries.size > this.capacity) this.evict(Math.ceil(this.capacity / 10));
  }

  /**
   * Drops the `count` least recently set entries with one iterator. (Deleting the first key one miss at
   * a time makes each miss walk the Map's deleted slots at the front: time proportional to its size.)
   */
  private evict(count: number): void {
    let left = count;
    for (const id of this.#entries.keys()) {
      if (left-- <= 0) break;
      this.#entries.delete(id);
    }
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
