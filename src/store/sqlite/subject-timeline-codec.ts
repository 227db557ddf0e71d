// The subject timeline's keys and values: a subject's id hashed to a safe integer (the key of its rows in
// each run), and an ascending list of seqs packed as delta varints (a few bytes per event).

/** cyrb53: a fast 53-bit string hash. A collision only adds another subject's seqs, which readers filter out. */
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
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
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
