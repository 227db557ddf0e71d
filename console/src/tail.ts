// Reads the live tail (GET /v1/events/stream) with fetch, not EventSource, so a Bearer token can be sent as well as
// the session cookie. Server-sent event frames are split on blank lines.
import { headers } from './api.ts';
import type { StoredEvent } from './types.ts';

export interface TailHandlers {
  onOpen(): void;
  onEvents(events: StoredEvent[]): void;
  onSkipped(count: number): void;
  onError(error: unknown): void;
}

export async function followTail(query: string, handlers: TailHandlers, signal: AbortSignal): Promise<void> {
  try {
    const response = await fetch(`/v1/events/stream${query}`, { headers: headers({ accept: 'text/event-stream' }), credentials: 'same-origin', signal });
    if (!response.ok || !response.body) {
      const text = await response.text();
      let message = text;
      try { message = (JSON.parse(text) as { error: { message: string } }).error.message; } catch { /* not JSON: keep the text */ }
      throw new Error(message || `HTTP ${response.status}`);
    }
    handlers.onOpen();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message';
        let data = '';
        for (const line of frame.split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data += line.slice(6);
        }
        if (!data) continue;
        if (event === 'events') handlers.onEvents(JSON.parse(data) as StoredEvent[]);
        else if (event === 'skipped') handlers.onSkipped((JSON.parse(data) as { count: number }).count);
      }
    }
    throw new Error('the stream ended');
  } catch (error) {
    if (signal.aborted) return;
    handlers.onError(error);
  }
}
