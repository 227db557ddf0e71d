// The ingest dedupe window: which event ids the log accepted recently, and at which seq. A unique index
// over every id ever stored puts each random id (a UUID, as SDKs send them) on its own page of a B-tree
// as large as the log, so every commit rewrote about one page per event; this table lives in memory and
// is rebuilt from the log at start, and the log's rows stay the truth: every hit is checked against the
// row at its seq, so a stale or colliding entry can never turn a new event into a "duplicate", and the
// boundary is exact: the row's own arrival time and seq decide whether it is still inside the window.
//
// Layout: generations of open-addressing tables (linear probing), each holding the ids of a run of
// consecutive seqs. A slot is one 32-bit word: a 10-bit fingerprint of the id and the 22-bit offset of its
// seq from the generation's first seq; 0 marks an empty slot. A generation is never resized: when it is
// full (or covers a slice of the time window) it is closed and a new one started, sized by how fast the
// last one filled. Expiry drops whole generations, oldest first, only once every id in them is outside the
// guarantee; so every id inside the window is found.
//
// The window: an id is a duplicate when it arrived no more than `windowMs` before the newer event (the
// clock is the events' arrival times, not the wall clock, so a restart after a day off changes nothing)
// and fewer than `maxIds` events were stored after it.
// Memory: about 6 bytes per remembered id (tables at most 70 % full), plus one partly filled table. Lookups
// probe every generation, newest first: few of them (a full one holds 4 million ids; sizes grow 4x from
// 4096 slots), so a lookup costs a few cache misses whatever the window holds.

export interface RecentIdsOptions {
  /** Ids accepted at least this long ago may be forgotten. */
  readonly windowMs: number;
  /** Ids with at least this many newer events in the log may be forgotten. */
  readonly maxIds: number;
}

/** The default window: a day, and at most ten million ids (about 60 MB of memory when full). */
export const DEFAULT_DEDUPE: RecentIdsOptions = { windowMs: 86_400_000, maxIds: 10_000_000 };

/** The id and arrival time (epoch ms) of the event stored at `seq`; undefined if none (rolled back, deleted). */
export type RowAt = (seq: number) => readonly [id: string, arrivedAt: number] | undefined;

const OFFSET_BITS = 22;
const MAX_OFFSET = 1 << OFFSET_BITS; // ids per generation, at most
const OFFSET_MASK = MAX_OFFSET - 1;
const MIN_SLOTS = 4096;
const LOAD = 0.7;
/** A generation covers at most this share of the time window, so expiry frees memory in steps. */
const TIME_SLICES = 8;

class Generation {
  readonly slots: Uint32Array;
  /** Ids it may hold: beyond that the probes get long. */
  readonly capacity: number;
  count = 0;
  lastSeq: number;
  lastAt: number;

  constructor(readonly firstSeq: number, readonly firstAt: number, slots: number) {
    this.slots = new Uint32Array(slots);
    this.capacity = Math.min(MAX_OFFSET, Math.floor(slots * LOAD));
    this.lastSeq = firstSeq;
    this.lastAt = firstAt;
  }

  accepts(seq: number, at: number, sliceMs: number): boolean {
    return this.count < this.capacity && seq - this.firstSeq < MAX_OFFSET && seq >= this.lastSeq && at - this.firstAt < sliceMs;
  }

  add(hash: number, fingerprint: number, seq: number, at: number): void {
    const slots = this.slots;
    let i = slotOf(hash, slots.length);
    while (slots[i] !== 0) i = i + 1 === slots.length ? 0 : i + 1;
    slots[i] = ((fingerprint << OFFSET_BITS) | (seq - this.firstSeq)) >>> 0;
    this.count++;
    this.lastSeq = seq;
    this.lastAt = at;
  }

  /** Calls `check` with each seq whose fingerprint matches, newest table first; stops at the first true. */
  find(hash: number, fingerprint: number, check: (seq: number) => boolean): number | undefined {
    const slots = this.slots;
    let i = slotOf(hash, slots.length);
    for (let word = slots[i]; word !== 0; word = slots[i]) {
      if (word >>> OFFSET_BITS === fingerprint) {
        const seq = this.firstSeq + (word & OFFSET_MASK);
        if (check(seq)) return seq;
      }
      i = i + 1 === slots.length ? 0 : i + 1;
    }
    return undefined;
  }
}

/** Maps a 32-bit hash onto [0, n) without a modulo (Lemire's multiply-shift). */
function slotOf(hash: number, n: number): number {
  return Math.floor((hash / 4294967296) * n);
}

export class RecentIds {
  readonly #generations: Generation[] = [];
  readonly #seedA: number;
  readonly #seedB: number;
  #hash = 0;
  #fingerprint = 0;
  #total = 0;
  /** The newest seq and arrival time remembered: where the window ends. */
  #newestSeq = 0;
  #newestAt = -Infinity;

  constructor(private readonly options: RecentIdsOptions, private readonly rowAt: RowAt, random: () => number = Math.random) {
    // Seeded per process: ids chosen to collide on one slot (a flood of probes) cannot be precomputed.
    this.#seedA = (random() * 4294967296) >>> 0;
    this.#seedB = (random() * 4294967296) >>> 0;
  }

  /** Ids remembered now. */
  get size(): number {
    return this.#total;
  }

  /** Bytes of memory the tables take. */
  get bytes(): number {
    let bytes = 0;
    for (const g of this.#generations) bytes += g.slots.byteLength;
    return bytes;
  }

  /**
   * The seq of the stored event with this id, if it is inside the window as seen by an event arriving at
   * `now` (default: the newest arrival remembered).
   */
  seqOf(id: string, now = this.#newestAt): number | undefined {
    this.#digest(id);
    const since = Math.max(now, this.#newestAt) - this.options.windowMs;
    const after = this.#newestSeq - this.options.maxIds;
    const check = (seq: number) => {
      if (seq <= after) return false;
      const row = this.rowAt(seq);
      return row !== undefined && row[0] === id && row[1] >= since;
    };
    for (let g = this.#generations.length - 1; g >= 0; g--) {
      const seq = this.#generations[g].find(this.#hash, this.#fingerprint, check);
      if (seq !== undefined) return seq;
    }
    return undefined;
  }

  /** Remembers that `id` was stored at `seq` (seqs only grow) when it was accepted at `at` (epoch ms). */
  add(id: string, seq: number, at: number): void {
    const sliceMs = Math.max(1, this.options.windowMs / TIME_SLICES);
    let current = this.#generations.at(-1);
    if (!current || !current.accepts(seq, at, sliceMs)) {
      current = new Generation(seq, at, this.#nextSlots(current, at));
      this.#generations.push(current);
    }
    this.#digest(id);
    current.add(this.#hash, this.#fingerprint, seq, at);
    this.#total++;
    this.#newestSeq = Math.max(this.#newestSeq, seq);
    this.#newestAt = Math.max(this.#newestAt, at);
    this.#expire(at);
  }

  /** Forgets the generations that hold only ids outside the guarantee (older than the window, or with maxIds newer ones). */
  #expire(now: number): void {
    const { windowMs, maxIds } = this.options;
    const gens = this.#generations;
    while (gens.length > 1) {
      const oldest = gens[0];
      if (oldest.lastAt < now - windowMs || this.#total - oldest.count >= maxIds) {
        gens.shift();
        this.#total -= oldest.count;
      } else {
        break;
      }
    }
    // The only generation left may be entirely out of the window too (a quiet log).
    if (gens.length === 1 && (gens[0].lastAt < now - windowMs || maxIds === 0)) {
      this.#total -= gens[0].count;
      gens.length = 0;
    }
  }

  /** A new generation as large as the ids the last one took in its time, within bounds. */
  #nextSlots(previous: Generation | undefined, at: number): number {
    const full = Math.ceil(Math.min(MAX_OFFSET, Math.max(1, this.options.maxIds)) / LOAD);
    if (!previous) return Math.min(full, MIN_SLOTS);
    // Filled up: four times the room. Closed by time: room for what the last slice received, and a margin.
    const wanted = previous.count >= previous.capacity ? previous.slots.length * 4 : Math.ceil((previous.count * 1.5) / LOAD);
    return Math.max(MIN_SLOTS, Math.min(full, wanted));
  }

  /** Two independent 32-bit hashes of the id: the slot, and the fingerprint (10 bits, never 0). */
  #digest(id: string): void {
    let a = this.#seedA;
    let b = this.#seedB;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      a = Math.imul(a ^ c, 0x9e3779b1);
      a ^= a >>> 15;
      b = Math.imul(b ^ c, 0x85ebca77);
      b ^= b >>> 13;
    }
    this.#hash = mix(a ^ id.length) >>> 0;
    this.#fingerprint = (mix(b) >>> OFFSET_BITS) || 1;
  }
}

/** Murmur3's finaliser: every input bit reaches every output bit. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
