// The first KiB of a response body is what an attempt keeps (http-client.ts stops reading there).

export const SNIPPET_BYTES = 1024;

export interface Snippet {
  readonly text: string | null;
  /** Whether the body went on past the limit (the text may end inside a longer value). */
  readonly truncated: boolean;
}
