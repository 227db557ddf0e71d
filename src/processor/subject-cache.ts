// Recently seen subject states, so that a busy subject is not read back from the store for every event.
// The processor is the only writer of subject state, so the cache is exact while the process lives.
import type { SubjectState } from '../engine/types.ts';

export class SubjectCache {
  readonly #entries = new Map<string, SubjectState>();

  constructor(private readonly capacity: number) {}

  get(id: string): SubjectState | undefined {
    return this.#entries.get(id);
  }

  set(state: SubjectState): void {
    this.#entries.delete(state.id);
    this.#entries.set(state.id, state);
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
}
