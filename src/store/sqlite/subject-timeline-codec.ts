// The subject timeline's keys and values: a subject's id hashed to a safe integer (the key of its rows in
// each run), and an ascending list of seqs packed as delta varints (a few bytes per event).

/**
 * A subject's id hashed to 30 bits (cyrb53's mixing): a small integer to V8 (fast map keys, a native sort, short
 * varints between neighbours in a run). A collision only adds another subject's seqs, which readers filter out.
 */
export function subjectHash(subject: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < subject.length; i++) {
    const c = subject.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 ^ h2) >>> 2;
}

/** Ascending seqs as varints of their differences (the first from 0). */
export function packSeqs(seqs: readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(seqs.length * 8 + 1);
  let o = 0;
  let previous = 0;
  for (const seq of seqs) {
    let d = seq - previous;
    previous = seq;
    while (d >= 128) {
      out[o++] = (d % 128) | 128;
      d = Math.floor(d / 128);
    }
    out[o++] = d;
  }
  return Buffer.from(out.subarray(0, o));
}

export function unpackSeqs(packed: Uint8Array, into: number[] = []): number[] {
  let previous = 0;
  let i = 0;
  while (i < packed.length) {
    let d = 0;
    let scale = 1;
    let byte: number;
    do {
      byte = packed[i++];
      d += (byte & 127) * scale;
      scale *= 128;
    } while (byte & 128);
    previous += d;
    into.push(previous);
  }
  return into;
}

/** Entries per block of a run: a lookup decodes at most one block per run. */
export const BLOCK_ENTRIES = 64;

/** A block as written: the first hash (its key) and its entries, `hash delta, byte length, packed seqs`. */
export interface Block {
  readonly firstHash: number;
  readonly bytes: Uint8Array;
}

/** Bytes appended to a buffer that grows, written without an allocation per value. */
class Bytes {
  buffer = new Uint8Array(4096);
  length = 0;

  reserve(more: number): void {
    if (this.length + more <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + more));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  varint(value: number): void {
    if (this.length + 8 > this.buffer.length) this.reserve(8);
    const b = this.buffer;
    let o = this.length;
    while (value >= 0x80000000) {
      b[o++] = (value % 128) | 128;
      value = Math.floor(value / 128);
    }
    while (value >= 128) {
      b[o++] = (value & 127) | 128;
      value >>>= 7;
    }
    b[o++] = value;
    this.length = o;
  }

  bytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }
}

function varintLength(value: number): number {
  if (value < 128) return 1;
  if (value < 16384) return 2;
  if (value < 2097152) return 3;
  if (value < 268435456) return 4;
  let n = 5;
  for (value = Math.floor(value / 34359738368); value > 0; value = Math.floor(value / 128)) n++;
  return n;
}

/** Builds a run's blocks from entries given in ascending hash order. */
export class BlockWriter {
  readonly #out = new Bytes();
  #entries = 0;
  #first = 0;
  #previous = 0;

  constructor(private readonly onBlock: (block: Block) => void) {}

  #start(hash: number): void {
    if (this.#entries === 0) { this.#first = hash; this.#previous = hash; }
    this.#out.varint(hash - this.#previous);
    this.#previous = hash;
  }

  #ended(): void {
    if (++this.#entries >= BLOCK_ENTRIES) this.finish();
  }

  /** An entry from its seqs, ascending. */
  add(hash: number, seqs: readonly number[]): void {
    this.#start(hash);
    let length = 0;
    let previous = 0;
    for (const seq of seqs) { length += varintLength(seq - previous); previous = seq; }
    this.#out.varint(length);
    previous = 0;
    for (const seq of seqs) { this.#out.varint(seq - previous); previous = seq; }
    this.#ended();
  }

  /** An entry whose seqs are packed already (copied as they are). */
  addPacked(hash: number, packed: Uint8Array): void {
    this.#start(hash);
    this.#out.varint(packed.length);
    this.#out.bytes(packed);
    this.#ended();
  }

  /**
   * An entry whose seqs are several packed lists, each after the one before (a merge of runs): copied as bytes,
   * only each list's first seq rewritten as the difference from the list before it.
   */
  addConcatenated(hash: number, lists: readonly Uint8Array[]): void {
    if (lists.length === 1) return this.addPacked(hash, lists[0]);
    this.#start(hash);
    const heads = lists.map(firstVarint);
    const lasts = lists.map(lastSeq);
    let length = lists[0].length;
    for (let i = 1; i < lists.length; i++) length += lists[i].length - heads[i].bytes + varintLength(heads[i].value - lasts[i - 1]);
    this.#out.varint(length);
    this.#out.bytes(lists[0]);
    for (let i = 1; i < lists.length; i++) {
      this.#out.varint(heads[i].value - lasts[i - 1]);
      this.#out.bytes(lists[i].subarray(heads[i].bytes));
    }
    this.#ended();
  }

  /** Writes what is pending as a block. */
  finish(): void {
    if (!this.#entries) return;
    this.onBlock({ firstHash: this.#first, bytes: Buffer.from(this.#out.buffer.subarray(0, this.#out.length)) });
    this.#out.length = 0;
    this.#entries = 0;
  }
}

/** The first varint of packed seqs (the first seq) and how many bytes it takes. */
export function firstVarint(packed: Uint8Array): { value: number; bytes: number } {
  let value = 0;
  let scale = 1;
  let i = 0;
  let byte: number;
  do { byte = packed[i++]; value += (byte & 127) * scale; scale *= 128; } while (byte & 128);
  return { value, bytes: i };
}

/** The last (largest) seq of packed seqs: the sum of its differences. */
export function lastSeq(packed: Uint8Array): number {
  let sum = 0;
  let i = 0;
  while (i < packed.length) {
    let value = 0;
    let scale = 1;
    let byte: number;
    do { byte = packed[i++]; value += (byte & 127) * scale; scale *= 128; } while (byte & 128);
    sum += value;
  }
  return sum;
}

/** Reads a block's entries in hash order without allocating: `next()` moves to the next one. */
export class BlockReader {
  hash = 0;
  /** Where the current entry's packed seqs are in `bytes`. */
  start = 0;
  end = 0;
  #at = 0;

  constructor(readonly bytes: Uint8Array, firstHash: number) {
    this.hash = firstHash;
  }

  #varint(): number {
    const b = this.bytes;
    let value = 0;
    let scale = 1;
    let byte: number;
    do { byte = b[this.#at++]; value += (byte & 127) * scale; scale *= 128; } while (byte & 128);
    return value;
  }

  next(): boolean {
    if (this.#at >= this.bytes.length) return false;
    this.hash += this.#varint();
    const length = this.#varint();
    this.start = this.#at;
    this.end = this.#at + length;
    this.#at = this.end;
    return true;
  }

  seqs(): Uint8Array {
    return this.bytes.subarray(this.start, this.end);
  }

  /** The first seq of the current entry (stored whole, the others as differences). */
  firstSeq(): number {
    let value = 0;
    let scale = 1;
    let i = this.start;
    let byte: number;
    do { byte = this.bytes[i++]; value += (byte & 127) * scale; scale *= 128; } while (byte & 128);
    return value;
  }
}

/** The entries of a block, in hash order (tests, tools). */
export function* blockEntries(block: Block): Generator<{ hash: number; seqs: Uint8Array }> {
  const reader = new BlockReader(block.bytes, block.firstHash);
  while (reader.next()) yield { hash: reader.hash, seqs: reader.seqs() };
}

/** The packed seqs of `hash` in a block, if it has them. */
export function findInBlock(block: Block, hash: number): Uint8Array | undefined {
  const reader = new BlockReader(block.bytes, block.firstHash);
  while (reader.next()) {
    if (reader.hash === hash) return reader.seqs();
    if (reader.hash > hash) return undefined;
  }
  return undefined;
}
