// Reads at most the first KiB of a response body, then destroys the stream: a 100 MB answer costs 1 KiB.

export const SNIPPET_BYTES = 1024;

export interface Snippet {
  readonly text: string | null;
  /** Whether the body went on past the limit (the text may end inside a longer value). */
  readonly truncated: boolean;
}

export async function readSnippet(body: AsyncIterable<Uint8Array | string>, limit = SNIPPET_BYTES): Promise<Snippet> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  // Leaving a for-await early calls the stream's return(), which destroys it (and the socket, if unread data remains).
  for await (const chunk of body) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    chunks.push(buffer);
    size += buffer.length;
    if (size >= limit) { truncated = true; break; }
  }
  if (!size) return { text: null, truncated: false };
  // A multi-byte character cut at the limit decodes to U+FFFD; the text stays valid.
  return { text: Buffer.concat(chunks).subarray(0, limit).toString('utf8'), truncated };
}
