// Recently committed subject states with their versions, so that a busy subject is not read back from the
// store for every batch. Only committed states enter it (after the commit), so eviction can never lose a
// change: a batch works on its own pinned copies (see Processor) whatever the capacity. Bounded by entries
// and by an estimate of the memory the states take: a million subjects, or a few with large profiles, stay
// on disk, and memory stays flat.
import type { StoredSubject } from '../store/contracts.ts';
import { memorySize } from '../engine/memory/bounds.ts';

export interface SubjectCacheLimits {
  readonly entries: number;
  /** Estimated bytes of the cached states, attributes and memory (see approxBytes). */
  readonly bytes: number;
}

export const DEFAULT_SUBJECT_CACHE: SubjectCacheLimits = { entries: 50_000, bytes: 32 * 1024 * 1024 };

interface Entry {
  readonly subject: StoredSubject;
  readonly bytes: number;
}

export class SubjectCache {
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;

  constructor(private readonly limits: SubjectCacheLimits = DEFAULT_SUBJECT_CACHE) {}

  /** Entries held and their estimated bytes (for /metrics). */
  get stats(): { entries: number; bytes: number } {
    return { entries: this.#entries.size, bytes: this.#bytes };
  }

  get(id: string): StoredSubject | undefined {
    return this.#entries.get(id)?.subject;
  }

  set(subject: StoredSubject): void {
    const id = subject.state.id;
    const old = this.#entries.get(id);
    if (old) {
      this.#entries.delete(id);
      this.#bytes -= old.bytes;
    }
    const bytes = estimateBytes(subject) + id.length + 64;
    // A profile larger than a tenth of the budget is read from the store each time rather than evicting many others.
    if (bytes > this.limits.bytes / 10) return;
    this.#entries.set(id, { subject, bytes });
    this.#bytes += bytes;
    if (this.#entries.size > this.limits.entries || this.#bytes > this.limits.bytes) this.#evict();
  }

  /**
   * Drops the least recently set entries down to 90 % of both bounds, with one iterator. (Deleting the first
   * key one miss at a time makes each miss walk the Map's deleted slots at the front: time proportional to its size.)
   */
  #evict(): void {
    const entries = this.limits.entries * 0.9;
    const bytes = this.limits.bytes * 0.9;
    for (const [id, entry] of this.#entries) {
      if (this.#entries.size <= entries && this.#bytes <= bytes) break;
      this.#entries.delete(id);
      this.#bytes -= entry.bytes;
    }
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Estimated bytes held. */
  get bytes(): number {
    return this.#bytes;
  }
}

/**
 * The heap a parsed state takes, about this many times its JSON text (approxBytes of the stateful bench's
 * memories: 5.7 KB for 1.4 KB of text; a small profile, 5 times).
 */
const HEAP_PER_TEXT_BYTE = 4;

/**
 * From the length of its text, which is known without walking the state: stored (loaded) or measured by the
 * engine when it changed the memory (memorySize keeps the length on the memory). Walking every state with
 * approxBytes after each batch cost 4 % of the pipeline thread.
 */
function estimateBytes(subject: StoredSubject): number {
  if (subject.storedBytes !== undefined) return HEAP_PER_TEXT_BYTE * subject.storedBytes;
  const { attributes, memory } = subject.state;
  return approxBytes(attributes) + (memory ? HEAP_PER_TEXT_BYTE * memorySize(memory) : 0);
}

/**
 * A cheap estimate of the heap a JSON-like value takes (V8 objects, one-byte strings): within a small
 * factor of the truth, which is all a cache bound needs, and linear in the value's size.
 */
export function approxBytes(value: unknown, depth = 0): number {
  if (typeof value === 'string') return 16 + value.length;
  if (value === null || typeof value !== 'object') return 8;
  if (depth > 64) return 64;
  let bytes = 32;
  if (Array.isArray(value)) {
    for (const item of value) bytes += 8 + approxBytes(item, depth + 1);
    return bytes;
  }
  for (const key of Object.keys(value)) bytes += 24 + key.length + approxBytes((value as Record<string, unknown>)[key], depth + 1);
  return bytes;
}
