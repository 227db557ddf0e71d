// The one order in which a processor and a backtester feed inputs to the core (MEMORY.md "Timeline"):
// before each event, the timers due strictly before its arrival, earliest first, ties by id, including
// timers made by earlier inputs of the same run. Pure: no clock, no I/O.
import type { TimerFire } from './types.ts';

interface Entry {
  readonly dueAt: number;
  readonly id: string;
}

function before(a: Entry, b: Entry): boolean {
  return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.id < b.id);
}

/** Pending timers by due time. Adding a timer with a known id moves it; removing is by id. */
export class TimerQueue {
  readonly #timers = new Map<string, TimerFire>();
  readonly #heap: Entry[] = [];

  get size(): number {
    return this.#timers.size;
  }

  add(timer: TimerFire): void {
    this.#timers.set(timer.id, timer);
    this.#push({ dueAt: timer.dueAt, id: timer.id });
  }

  remove(id: string): void {
    this.#timers.delete(id);
  }

  has(id: string): boolean {
    return this.#timers.has(id);
  }

  /** Removes and returns the earliest timer due before `time` (or at it, when `inclusive`). */
  takeDue(time: number, inclusive = false): TimerFire | undefined {
    for (;;) {
      const top = this.#heap[0];
      if (!top) return undefined;
      const timer = this.#timers.get(top.id);
      if (!timer || timer.dueAt !== top.dueAt) { this.#pop(); continue; } // removed or moved: a stale entry
      if (timer.dueAt > time || (timer.dueAt === time && !inclusive)) return undefined;
      this.#pop();
      this.#timers.delete(timer.id);
      return timer;
    }
  }

  /** The earliest due time, if any. */
  nextDueAt(): number | undefined {
    for (;;) {
      const top = this.#heap[0];
      if (!top) return undefined;
      const timer = this.#timers.get(top.id);
      if (timer && timer.dueAt === top.dueAt) return top.dueAt;
      this.#pop();
    }
  }

  #push(entry: Entry): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (!heap.length) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && before(heap[l], heap[m])) m = l;
      if (r < heap.length && before(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  }
}
